"""The scoring API's routes, one module per area; ``services.scoring.api`` assembles them with the
permission table."""
