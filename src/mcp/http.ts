import type {Catalog} from '../core/catalog.js'
import {WebStandardStreamableHTTPServerTransport} from './sdk.js'
import {createMcpServer} from './server.js'
import type {ToolAccess} from './tools.js'

/**
 * One POST /mcp request (Streamable HTTP, stateless, JSON responses): a fresh server and transport
 * per request, so no session state outlives the request and the Bearer token of each request
 * decides what its tools may do.
 */
export async function handleMcpRequest(catalog: Catalog, request: Request, options: {authorize: (access: ToolAccess) => void; admin: boolean; bodyLimit: number}): Promise<Response> {
  const {server} = createMcpServer(catalog, {authorize: options.authorize, admin: options.admin, log: (message) => process.stderr.write(`metricat serve: ${message}\n`)})
  const transport = new WebStandardStreamableHTTPServerTransport({sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: options.bodyLimit})
  await server.connect(transport)
  try {
    return await transport.handleRequest(request)
  } finally {
    await server.close()
  }
}
