import type { FastifyReply } from 'fastify';

/**
 * Every error the gateway answers has OpenAI's shape, `{"error": {"message", "type", "code"}}`,
 * so OpenAI clients show the message and other callers read one format.
 */
export interface GatewayErrorBody {
  error: { message: string; type: string; code: string | null };
}

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
  502: 'api_error',
  503: 'api_error',
  504: 'timeout_error',
};

export function errorBody(status: number, message: string, code: string | null = null): GatewayErrorBody {
  return { error: { message, type: TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), code } };
}

export function sendError(reply: FastifyReply, status: number, message: string, code: string | null = null): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(status, message, code));
}
