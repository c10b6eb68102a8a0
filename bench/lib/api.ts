/** A tiny REST client for the benchmarks (plain fetch, as curl would). */
export async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${payload.Error?.Code} ${payload.Error?.Message}`);
  return payload;
}

export async function createGroup(url: string, id: string, nodes: number, extra: Record<string, unknown> = {}): Promise<any> {
  const { ReplicationGroup } = await api(url, "POST", "/v1/replication-groups?wait=true&waitSeconds=120", {
    ReplicationGroupId: id,
    ReplicationGroupDescription: "bench",
    NumCacheClusters: nodes,
    ...extra,
  });
  if (ReplicationGroup.Status !== "available") {
    const { Events } = await api(url, "GET", `/v1/events?SourceType=replication-group&SourceIdentifier=${id}`);
    throw new Error(`group ${id} is ${ReplicationGroup.Status}: ${Events.map((event: any) => event.Message).join("; ")}`);
  }
  return ReplicationGroup;
}

export async function deleteGroup(url: string, id: string): Promise<void> {
  await api(url, "DELETE", `/v1/replication-groups/${id}?wait=true&waitSeconds=120`);
}
