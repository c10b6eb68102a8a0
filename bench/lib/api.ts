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

/** Waits until a group is available and every node of it is too (e.g. after a failover); returns the group. */
export async function waitSettled(url: string, id: string, timeoutMs = 120_000): Promise<any> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { ReplicationGroup: group } = await api(url, "GET", `/v1/replication-groups/${id}`);
    const { CacheClusters } = await api(url, "GET", `/v1/cache-clusters?ShowCacheNodeInfo=true`);
    const nodesOk = CacheClusters.filter((cluster: any) => cluster.ReplicationGroupId === id).every((cluster: any) =>
      cluster.CacheNodes.every((node: any) => node.CacheNodeStatus === "available"),
    );
    if (group.Status === "available" && nodesOk) return group;
    if (performance.now() > deadline) throw new Error(`group ${id} not settled within ${timeoutMs / 1000} s (${group.Status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
