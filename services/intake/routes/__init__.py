"""The intake API's routes, one module per area; ``services.intake.api`` assembles them with the
permission table."""
