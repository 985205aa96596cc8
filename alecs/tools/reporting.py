"""Reporting API v1: report types, their definitions, and report data for a time range as a table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, body, custom_tool, path, query, with_intents
from alecs.tools.results import ToolOutput, render
from alecs.tools.spec import ToolSpec

BASE = "/reporting-api/v1"
REPORTING = Toolset("reporting", "Reporting: report types, definitions, traffic and error reports for a time range")
api = Api("reporting-api/v1", toolset=REPORTING, base=BASE)
ISO = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})$"
MAX_TEXT_ROWS = 60

REPORT = path("reportName", "Report type name, e.g. hits-by-time or traffic-by-cpcode (see list-report-types).",
              api_name="name")
VERSION = path("reportVersion", "Report type version, e.g. 1 (see list-report-types).", int, ge=1, api_name="version")
SHOW_DEPRECATED = query("showDeprecated", "Include deprecated report versions (default true).", bool)


def _number(value: Any) -> Any:
    """Akamai sends metric values as strings; structured results carry them as numbers."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def table(columns: list[tuple[str, str]], rows: list[dict[str, Any]], limit: int = MAX_TEXT_ROWS) -> str:
    """A fixed-width text table: numbers right-aligned, one header line, at most `limit` rows."""
    shown = rows[:limit]
    grid = [[label for _, label in columns]] + [[_cell(row.get(key)) for key, _ in columns] for row in shown]
    widths = [max(len(line[i]) for line in grid) for i in range(len(columns))]
    numeric = [any(isinstance(r.get(k), int | float) and not isinstance(r.get(k), bool) for r in shown)
               for k, _ in columns]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True))

    out = [line(grid[0]), "  ".join("-" * w for w in widths)] + [line(cells) for cells in grid[1:]]
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more row(s) in the structured content")
    return "\n".join(line_.rstrip() for line_ in out)


def report_table(data: dict[str, Any]) -> ToolOutput:
    """A report's rows as numbers with a compact text table for the assistant."""
    meta = data.get("metadata") or {}
    group_by = list(meta.get("groupBy") or [])
    rows = [{k: v if k in group_by else _number(v) for k, v in row.items()} for row in data.get("data") or []]
    columns: list[tuple[str, str]] = [(key, key) for key in group_by]
    for col in meta.get("columns") or []:
        if col.get("name") == "groupBy":
            continue
        columns.append((col["name"], col.get("label") or col["name"]))
    if not columns and rows:
        columns = [(key, key) for key in rows[0]]
    summary = {k: _number(v) for k, v in (data.get("summaryStatistics") or {}).items()}
    head = (f"{meta.get('name')} v{meta.get('version')} for {meta.get('objectType', 'objects')} "
            f"{', '.join(str(o) for o in meta.get('objectIds') or [])}: {meta.get('start')} to {meta.get('end')}, "
            f"interval {meta.get('interval')}, {len(rows)} row(s)")
    if meta.get("availableDataEnds"):
        head += f"; data available until {meta['availableDataEnds']}"
    head += f"; output {meta.get('outputType', 'FLAT')}, grouped by {', '.join(group_by) or 'nothing'}"
    head += f", filters {render(meta['filters'])}" if meta.get("filters") else ", no filters"
    metrics = [f"{key} ({label})" for key, label in columns if key not in group_by and label != key]
    if metrics:
        head += "\nmetrics: " + ", ".join(metrics)
    text = head + "\n" + (table([(key, key) for key, _ in columns], rows) if rows else "(no data)")
    if summary:
        text += "\nSummary: " + ", ".join(f"{k}={_cell(v)}" for k, v in summary.items())
    meta = {k: v for k, v in meta.items() if k != "columns"}  # the columns are said once, below, by row key
    result = {"metadata": meta, "columns": [{"name": k, "label": label} for k, label in columns],
              "rows": rows, "summaryStatistics": summary}
    return ToolOutput(result, text)


async def run_report(call: ToolCall, args: dict[str, Any]) -> Any:
    """Runs a report for a time range and objects."""
    route = fill_path(f"{BASE}/reports/{{name}}/versions/{{version}}/report-data",
                      {"name": args["reportName"], "version": args["reportVersion"]})
    params = {"start": args["start"], "end": args["end"], "interval": args["interval"]}
    payload: dict[str, Any] = {"objectIds": [str(o) for o in args["objectIds"]]}
    if args.get("metrics"):
        payload["metrics"] = args["metrics"]
    if args.get("filters"):
        payload["filters"] = args["filters"]
    data = (await call.send("POST", route, params=params, json_body=payload)).data
    return report_table(data if isinstance(data, dict) else {"data": []})


async def server_time(call: ToolCall, args: dict[str, Any]) -> Any:
    """The server's current date and time: what "the last 24 hours" or "in 30 days" count from."""
    now = datetime.now(UTC).replace(microsecond=0)
    local = now.astimezone()
    result = {"utc": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "weekday": now.strftime("%A"),
              "epochSeconds": int(now.timestamp()), "serverLocal": local.isoformat(),
              "serverTimezone": local.tzname() or ""}
    text = (f"utc: {result['utc']} ({result['weekday']}); epochSeconds: {result['epochSeconds']}; "
            f"serverLocal: {result['serverLocal']} ({result['serverTimezone']})")
    return ToolOutput(result, text)


TOOLS: list[ToolSpec] = [
    api.get("list-report-types", "/reports", title="List report types",
            doc="Report types the account can run (name, version, object type such as cpcode, metrics).",
            params=(SHOW_DEPRECATED,
                    query("showUnavailable", "Include reports the account's products do not allow (default true).",
                          bool)),
            items=".", columns=("name", "version", "businessObjectName", "status", "available")),
    api.get("list-report-versions", "/reports/{name}/versions", title="List report versions",
            doc="Versions of one report type.",
            params=(REPORT, SHOW_DEPRECATED),
            items=".", columns=("name", "version", "status", "deprecated")),
    api.get("get-report-definition", "/reports/{name}/versions/{version}", title="Get report definition",
            doc="One report type version: metrics (name, unit), filters, intervals, object type and data retention. "
                "Read it before run-report.",
            params=(REPORT, VERSION)),
    api.post("run-report", "/reports/{name}/versions/{version}/report-data", title="Run report",
             doc="Run a report for a time range and objects (CP code numbers like 300001) and get a compact table; "
                 "the structured result keeps every row with numeric values.",
             params=(REPORT, VERSION,
                     query("start", "Start, ISO 8601 UTC, e.g. 2025-01-01T00:00:00Z (inclusive).", required=True,
                           pattern=ISO),
                     query("end", "End, ISO 8601 UTC, e.g. 2025-01-02T00:00:00Z (exclusive).", required=True,
                           pattern=ISO),
                     query("interval", "Row granularity.", Literal["FIVE_MINUTES", "HOUR", "DAY", "WEEK", "MONTH"],
                           required=True),
                     body("objectIds", "Objects to report on, usually CP codes, e.g. [\"300001\"].", list[str | int],
                          required=True, min_length=1, max_length=500),
                     body("metrics", "Metric names to include (default: all of the report's metrics).", list[str]),
                     body("filters", "Filters by name, e.g. {\"delivery_type\": [\"secure\"]}.", dict[str, list[str]])),
             read_only=True, handler=run_report,
             example={"reportName": "hits-by-time", "reportVersion": 1, "start": "2025-01-01T00:00:00Z",
                      "end": "2025-01-01T06:00:00Z", "interval": "HOUR", "objectIds": ["300001"]}),
    # The clock a model computes time ranges from; in every default selection (everyday) though reporting is not.
    custom_tool(REPORTING, "get-server-time", title="Get server time",
                doc="The current date and time (UTC, epoch seconds, the server's zone), for time ranges.",
                handler=server_time, calls_akamai=False, read_only=True, everyday=True),
]

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "list-report-types": ("which reports are available",),
    "get-server-time": ("what time is it", "current date and time", "today's date", "now"),
    "run-report": ("top urls", "most requested urls", "traffic report", "hits over time", "bandwidth usage",
                   "cache offload", "errors by url"),
}
TOOLS = with_intents(TOOLS, INTENTS)
