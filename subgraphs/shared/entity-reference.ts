/** A reference to an entity owned by another subgraph: the `@key` fields only (federation spec). */
export interface EntityReference {
  __typename?: string;
  id: string;
}
