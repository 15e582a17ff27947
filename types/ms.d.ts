// `ms` (Temporal's own duration grammar) ships types its package.json does not expose under
// NodeNext resolution; this is the slice the project uses.
declare module 'ms' {
  export type StringValue = string;
  export default function ms(value: StringValue): number;
}
