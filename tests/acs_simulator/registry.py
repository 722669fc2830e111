"""Command registry and the per-request context commands receive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .params import Param, Parsed

if TYPE_CHECKING:
    from .sim import Simulator


@dataclass
class AsyncWork:
    """What an async command hands back after its synchronous checks: the job body and its instance.

    ``start`` (optional) runs when the job gets an executor slot, ``job_duration`` before ``body``:
    what a real job reads at its start and acts on later (the racy import mode uses it).
    """

    body: Callable[[], tuple[str, dict[str, Any]]]
    instance_type: str | None = None
    instance_id: str | None = None
    start: Callable[[], None] | None = None
    created_id: str | None = None  # BaseAsyncCreateCmd: the new entity's id, answered next to the jobid


@dataclass
class Command:
    name: str
    handler: Callable[[Simulator, dict[str, Any], Parsed], Any]
    params: dict[str, Param] = field(default_factory=dict)
    list_key: str | None = None  # list commands: the element key, e.g. "zone"
    paginate: bool = True  # the unmanaged listings ignore page/pagesize (facts §1.2)
    is_async: bool = False
    admin_only: bool = True
    java_class: str = ""
    since: str | None = None
    response_name: str | None = None  # the command class's own name when it is not "<command>response"


REGISTRY: dict[str, Command] = {}

LIST_PARAMS = {"keyword": Param(), "page": Param("integer"), "pagesize": Param("integer"), "listall": Param("boolean")}
# BaseAsyncCmd declares ``customjobid`` (ApiConstants.CUSTOM_JOB_ID), so every async command takes it
# (api/src/main/java/org/apache/cloudstack/api/BaseAsyncCmd.java, 4.19-4.22).
ASYNC_PARAMS = {"customjobid": Param()}


def command(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    list_key: str | None = None,
    paginate: bool = True,
    is_async: bool = False,
    admin_only: bool = True,
    java_class: str = "",
    since: str | None = None,
    response_name: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        spec = dict(params or {})
        if list_key:
            spec = {**LIST_PARAMS, **spec}
        if is_async:
            spec = {**ASYNC_PARAMS, **spec}
        REGISTRY[name.lower()] = Command(
            name,
            fn,
            spec,
            list_key,
            paginate,
            is_async,
            admin_only,
            java_class or f"org.apache.cloudstack.api.command.{name}Cmd",
            since,
            response_name,
        )
        return fn

    return wrap


def public(obj: dict[str, Any] | None, *hidden: str) -> dict[str, Any]:
    """The API view of a stored document: internal keys (leading '_' or listed) and None values dropped."""
    if obj is None:
        return {}
    return {k: v for k, v in obj.items() if not k.startswith("_") and k not in hidden and v is not None}
