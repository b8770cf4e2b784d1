"""Facts contracts shared by the services (the pydantic form of ``../shared/contracts``)."""
