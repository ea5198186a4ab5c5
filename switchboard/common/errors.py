"""Domain errors. Services raise these; the API layer maps each to its HTTP status."""


class DomainError(Exception):
    status_code = 400
    default_message = "The request could not be carried out."

    def __init__(self, message: str | None = None, **extra):
        self.message = message or self.default_message
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"detail": self.message, **self.extra}


class InvalidInput(DomainError):
    """Bad input; `fields` maps a field name to its messages, as DRF does."""

    status_code = 400

    def __init__(self, fields: dict[str, list[str] | str] | str, message: str | None = None):
        if isinstance(fields, str):
            fields = {"non_field_errors": [fields]}
        self.fields = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        super().__init__(message or "Invalid input.")

    def as_dict(self) -> dict:
        return dict(self.fields)


class NotFound(DomainError):
    status_code = 404
    default_message = "Not found."


class Forbidden(DomainError):
    status_code = 403
    default_message = "You do not have permission to perform this action."


class Conflict(DomainError):
    """The request is valid but clashes with the current state (409)."""

    status_code = 409
    default_message = "The request conflicts with the current state."
