/** A TCP address of a node or an endpoint. */
export interface Address {
  host: string;
  port: number;
}

export function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.port === b.port && a.host === b.host;
}

export function formatAddress(a: Address): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
