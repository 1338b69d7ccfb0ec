"""A real MCP client (PyPI's `mcp`) driving jobctl's MCP server, for JobctlTests/MCPClientTests.

    python3 mcp_client.py stdio STEPS_JSON -- jobctl mcp --root DIR
    python3 mcp_client.py http STEPS_JSON URL TOKEN

STEPS_JSON is a list of steps: {"tools": true}, {"resources": true}, {"read": URI},
{"call": NAME, "arguments": {...}}. Prints one JSON document: the negotiated protocol version and
one result per step (a tool call's isError, text and structuredContent; a protocol error as
{"protocolError": message}).
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def run_steps(session, steps):
    info = await session.initialize()
    results = []
    for step in steps:
        try:
            if "tools" in step:
                listed = await session.list_tools()
                results.append({"tools": [dump(tool) for tool in listed.tools]})
            elif "resources" in step:
                listed = await session.list_resources()
                results.append({"resources": [dump(resource) for resource in listed.resources]})
            elif "read" in step:
                read = await session.read_resource(step["read"])
                results.append({"contents": [dump(content) for content in read.contents]})
            else:
                called = await session.call_tool(step["call"], step.get("arguments", {}))
                text = "\n".join(item.text for item in called.content if getattr(item, "type", "") == "text")
                results.append({"isError": bool(called.is_error), "text": text, "structured": called.structured_content})
        except Exception as error:  # a JSON-RPC error answer, kept as the step's result
            results.append({"protocolError": str(error)})
    return {"protocolVersion": str(info.protocol_version), "server": dump(info.server_info), "results": results}


async def main():
    mode, steps = sys.argv[1], json.loads(sys.argv[2])
    if mode == "stdio":
        command = sys.argv[sys.argv.index("--") + 1:]
        params = StdioServerParameters(command=command[0], args=command[1:])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                out = await run_steps(session, steps)
    else:
        import httpx2
        url, token = sys.argv[3], sys.argv[4]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=300) as client:
            async with streamable_http_client(url, http_client=client) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    out = await run_steps(session, steps)
    print(json.dumps(out))


asyncio.run(main())
