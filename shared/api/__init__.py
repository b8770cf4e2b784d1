"""HTTP plumbing every service uses: errors, authentication and permissions, health."""
