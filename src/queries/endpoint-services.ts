import { endpointServicesOfActions } from '../evidence/endpoint-origin.js';
import { DELEGATED_SOURCES } from './delegated/index.js';
import { ALL_QUERIES } from './index.js';

/** Answers already worked out, by query id and `via.kind` (a package asks the same few for every body). */
const ANSWERS = new Map<string, readonly string[] | undefined>();

/**
 * The endpoint prefixes a body of `queryId` may have called (bodyOrigin's `servicesOf`): those of the query's IAM
 * actions (`apiCalls`) and, when the body was read through an aggregator or administrator (`via.kind`), those of the
 * delegated source of that kind for the query. Undefined for a query this version does not have.
 */
export function queryEndpointServices(queryId: string, viaKind: string | undefined): readonly string[] | undefined {
  const key = `${queryId}\u0000${viaKind ?? ''}`;
  if (ANSWERS.has(key)) return ANSWERS.get(key);
  const query = ALL_QUERIES.find((q) => q.id === queryId);
  const sources = query && viaKind !== undefined ? DELEGATED_SOURCES.filter((s) => s.queryId === queryId && s.kind === viaKind) : [];
  const answer = query ? endpointServicesOfActions([...query.apiCalls, ...sources.flatMap((s) => s.apiCalls)]) : undefined;
  ANSWERS.set(key, answer);
  return answer;
}
