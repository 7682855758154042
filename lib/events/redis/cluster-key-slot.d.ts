/** Types of the `cluster-key-slot` package (Redis Cluster's CRC16 key slot, honouring `{hash tags}`). */
declare module 'cluster-key-slot' {
  /** The hash slot (0-16383) of `key`. */
  function generate(key: string | Buffer): number;
  export = generate;
}
