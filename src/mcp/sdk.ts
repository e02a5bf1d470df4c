// The parts of the MCP SDK metricat uses, in one module. The build replaces its compiled form
// (dist/mcp/sdk.js) with a single-file bundle of the SDK and its dependencies (zod, ajv):
// loading the SDK file by file costs Node 20 some 150 ms at every `metricat mcp` start, which
// agent clients wait for (scripts/bundle-sdk.js). Import the SDK from here, never directly, so
// one copy of it runs.
export {Server} from '@modelcontextprotocol/sdk/server/index.js'
export {StdioServerTransport} from '@modelcontextprotocol/sdk/server/stdio.js'
export {WebStandardStreamableHTTPServerTransport} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
export {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js'
