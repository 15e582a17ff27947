import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';

// Signal, query and update definitions as plain data (what `defineSignal` & co. return), so the
// contract needs no workflow runtime: workflows register handlers for them, clients send them.

export function signalDefinition<Args extends unknown[], Name extends string = string>(name: Name): SignalDefinition<Args, Name> {
  return { type: 'signal', name } as SignalDefinition<Args, Name>;
}

export function queryDefinition<Ret, Name extends string = string>(name: Name): QueryDefinition<Ret, [], Name> {
  return { type: 'query', name } as QueryDefinition<Ret, [], Name>;
}

export function updateDefinition<Ret, Args extends unknown[], Name extends string = string>(
  name: Name,
): UpdateDefinition<Ret, Args, Name> {
  return { type: 'update', name } as UpdateDefinition<Ret, Args, Name>;
}
