// Reading the fields of a hook's input. Claude Code adds fields over time and may leave some out:
// unknown fields are ignored, and a missing or mistyped field this hook needs is one clear line.
import { AgentLeaseError } from '../lib/util/errors';
import type { HookInput } from './types';

/** `name` is how the field is called in the message (`tool_input.file_path`). */
export function requiredString(input: HookInput, field: string, name = field): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw new AgentLeaseError(`the input has no "${name}" string (got ${describeValue(value)}); nothing was leased`);
  }
  return value;
}

export function optionalString(input: HookInput, field: string): string | undefined {
  const value = input[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite, non-negative number, or undefined. */
export function optionalNumber(input: HookInput, field: string): number | undefined {
  const value = input[field];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function requiredObject(input: HookInput, field: string): HookInput {
  const value = input[field];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AgentLeaseError(`the input has no "${field}" object (got ${describeValue(value)}); nothing was leased`);
  }
  return value as HookInput;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === '') return 'an empty string';
  return `a ${typeof value}`;
}
