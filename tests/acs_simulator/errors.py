"""CloudStack error shapes (facts §5.3): the exception the command code raises and its JSON body."""

from __future__ import annotations

from typing import Any

# CSExceptionErrorCode values the simulator emits (facts §5.3).
CS_RUNTIME = 4250
CS_INVALID_PARAMETER = 4350
CS_PERMISSION_DENIED = 4365
CS_NO_CAUSE = 9999


class ApiError(Exception):
    """An API failure: ``code`` is the HTTP status and ``errorcode``; ``cserrorcode`` None omits the key."""

    def __init__(self, code: int, text: str, cserrorcode: int | None = CS_NO_CAUSE) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.cserrorcode = cserrorcode


def invalid_value(text: str) -> ApiError:
    """InvalidParameterValueException: 431 with cserrorcode 4350."""
    return ApiError(431, text, CS_INVALID_PARAMETER)


def server_error(text: str, code: int = 530) -> ApiError:
    """ServerApiException created without a cause: its own code, cserrorcode 9999."""
    return ApiError(code, text, CS_NO_CAUSE)


def runtime_error(text: str) -> ApiError:
    """CloudRuntimeException: 530 with cserrorcode 4250."""
    return ApiError(530, text, CS_RUNTIME)


def missing_param(command: str, name: str) -> ApiError:
    return server_error(f"Unable to execute API command {command.lower()} due to missing parameter {name}", 431)


def bad_param_value(command: str, name: str, value: str) -> ApiError:
    return server_error(
        f"Unable to execute API command {command.lower()} due to invalid value {value} for parameter {name}", 431
    )


def error_body(response_name: str, err: ApiError) -> dict[str, Any]:
    """The synchronous error document: ``{"<cmd>response": {uuidList, errorcode, cserrorcode, errortext}}``."""
    inner: dict[str, Any] = {"uuidList": [], "errorcode": err.code}
    if err.cserrorcode is not None:
        inner["cserrorcode"] = err.cserrorcode
    inner["errortext"] = err.text
    return {response_name: inner}


UNAUTHORIZED_TEXT = "unable to verify user credentials and/or request signature"


def unauthorized() -> ApiError:
    # The 401 path of ApiServer builds its body without a cserrorcode (facts §5.1).
    return ApiError(401, UNAUTHORIZED_TEXT, None)
