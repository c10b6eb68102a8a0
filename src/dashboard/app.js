// The dashboard page: every replication group, shard and cache cluster with node roles, health,
// memory and hit rate, endpoints to copy, the event timeline live from the server's event stream,
// and actions through the same REST API as any client (src/http/dashboard.ts serves this file).
import { h, render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import htm from "htm";

const html = htm.bind(h);

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(json.Error ? `${json.Error.Code}: ${json.Error.Message}` : `HTTP ${response.status}`);
  return json;
}

const mib = (bytes) => (bytes === undefined ? "–" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);
const pct = (value) => (value === undefined ? "–" : `${value.toFixed(1)} %`);
const endpointText = (endpoint) => (endpoint ? `${endpoint.Address}:${endpoint.Port}` : "");

function Copy({ endpoint, label }) {
  const [copied, setCopied] = useState(false);
  if (!endpoint) return html`<span class="muted">–</span>`;
  const text = endpointText(endpoint);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard refused (an http page in some browsers): select the text for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(document.querySelector(`[data-endpoint="${text}"]`));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1200);
  };
  return html`<span class="endpoint"
    >${label ? html`<span class="muted">${label} </span>` : ""}<code data-endpoint=${text}>${text}</code>
    <button class="copy" title="Copy" onClick=${copy}>${copied ? "copied" : "copy"}</button></span
  >`;
}

function Status({ value }) {
  return html`<span class="status status-${String(value).replace(/\s+/g, "-")}" data-status=${value}>${value}</span>`;
}

function Action({ label, run, danger, disabled }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState();
  const click = async () => {
    if (danger && !confirm(`${label}?`)) return;
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (caught) {
      setError(caught.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<button class=${danger ? "danger" : ""} disabled=${busy || disabled} onClick=${click}>${label}</button>${error
      ? html`<span class="error">${error}</span>`
      : ""}`;
}

function NodeRow({ member, role, node, metrics }) {
  return html`<tr data-member=${member} data-role=${role}>
    <td>${member}</td>
    <td><span class=${`role role-${role}`}>${role}</span></td>
    <td><${Status} value=${node?.CacheNodeStatus ?? "–"} /></td>
    <td><${Copy} endpoint=${node?.Endpoint} /></td>
    <td>${mib(metrics?.BytesUsedForCache)} <span class="muted">${pct(metrics?.DatabaseMemoryUsagePercentage)}</span></td>
    <td>${pct(metrics?.CacheHitRate)}</td>
  </tr>`;
}

const NODE_HEADER = html`<tr><th>Cluster</th><th>Role</th><th>Node</th><th>Endpoint</th><th>Memory</th><th>Hit rate</th></tr>`;

function Group({ group, clusters, metricsOf, refresh }) {
  const id = group.ReplicationGroupId;
  const shards = group.NodeGroups ?? [];
  const replicas = Math.max(0, (shards[0]?.NodeGroupMembers?.length ?? 1) - 1);
  const busy = group.Status !== "available";
  const act = (method, path, body) => () => api(method, `/v1/replication-groups/${id}${path}`, body).then(refresh);
  return html`<section class="card" data-group=${id}>
    <header>
      <h2>${id}</h2>
      <${Status} value=${group.Status} />
      <span class="muted">${group.Engine ?? "redis"} · ${group.CacheNodeType} · ${shards.length} shard${shards.length === 1 ? "" : "s"}</span>
    </header>
    <div class="endpoints">
      ${group.ConfigurationEndpoint
        ? html`<${Copy} label="configuration" endpoint=${group.ConfigurationEndpoint} />`
        : html`<${Copy} label="primary" endpoint=${shards[0]?.PrimaryEndpoint} /> <${Copy} label="reader" endpoint=${shards[0]?.ReaderEndpoint} />`}
    </div>
    <div class="actions">
      ${shards.map(
        (shard) => html`<${Action}
          label=${shards.length > 1 ? `TestFailover ${shard.NodeGroupId}` : "TestFailover"}
          disabled=${busy || replicas === 0}
          run=${act("POST", "/test-failover", { NodeGroupId: shard.NodeGroupId })}
        />`,
      )}
      <${Action} label="Add replica" disabled=${busy || replicas >= 5} run=${act("POST", "/increase-replica-count", { NewReplicaCount: replicas + 1, ApplyImmediately: true })} />
      <${Action} label="Remove replica" disabled=${busy || replicas === 0} run=${act("POST", "/decrease-replica-count", { NewReplicaCount: replicas - 1, ApplyImmediately: true })} />
      <${Action} label="Delete" danger disabled=${group.Status === "deleting"} run=${act("DELETE", "")} />
    </div>
    ${shards.map(
      (shard) => html`<table class="nodes" data-shard=${shard.NodeGroupId}>
        <caption>Shard ${shard.NodeGroupId}${shard.Slots ? ` · slots ${shard.Slots}` : ""}</caption>
        <thead>${NODE_HEADER}</thead>
        <tbody>
          ${(shard.NodeGroupMembers ?? []).map((member) => {
            const node = clusters.get(member.CacheClusterId)?.CacheNodes?.[0];
            return html`<${NodeRow}
              member=${member.CacheClusterId}
              role=${member.CurrentRole ?? "–"}
              node=${node}
              metrics=${metricsOf(member.CacheClusterId, member.CacheNodeId)}
            />`;
          })}
        </tbody>
      </table>`,
    )}
  </section>`;
}

function Cluster({ cluster, metricsOf, refresh }) {
  const id = cluster.CacheClusterId;
  const nodes = cluster.CacheNodes ?? [];
  const act = (method, path, body) => () => api(method, `/v1/cache-clusters/${id}${path}`, body).then(refresh);
  return html`<section class="card" data-cluster=${id}>
    <header>
      <h2>${id}</h2>
      <${Status} value=${cluster.CacheClusterStatus} />
      <span class="muted">${cluster.Engine} ${cluster.EngineVersion} · ${cluster.CacheNodeType} · ${nodes.length} node${nodes.length === 1 ? "" : "s"}</span>
    </header>
    <div class="endpoints">${cluster.ConfigurationEndpoint ? html`<${Copy} label="configuration" endpoint=${cluster.ConfigurationEndpoint} />` : ""}</div>
    <div class="actions">
      <${Action}
        label="Reboot"
        disabled=${cluster.CacheClusterStatus !== "available"}
        run=${act("POST", "/reboot", { CacheNodeIdsToReboot: nodes.map((node) => node.CacheNodeId) })}
      />
      <${Action} label="Delete" danger disabled=${cluster.CacheClusterStatus === "deleting"} run=${act("DELETE", "")} />
    </div>
    <table class="nodes">
      <thead><tr><th>Node</th><th>Status</th><th>Endpoint</th><th>Memory</th><th>Hit rate</th></tr></thead>
      <tbody>
        ${nodes.map((node) => {
          const metrics = metricsOf(id, node.CacheNodeId);
          return html`<tr>
            <td>${node.CacheNodeId}</td>
            <td><${Status} value=${node.CacheNodeStatus} /></td>
            <td><${Copy} endpoint=${node.Endpoint} /></td>
            <td>${mib(metrics?.BytesUsedForCache)} <span class="muted">${pct(metrics?.DatabaseMemoryUsagePercentage)}</span></td>
            <td>${pct(metrics?.CacheHitRate)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

function CreateGroup({ refresh }) {
  const [form, setForm] = useState({ id: "", replicas: 1, nodeType: "cache.t3.micro" });
  const [error, setError] = useState();
  const set = (key) => (event) => setForm({ ...form, [key]: event.target.value });
  const submit = async (event) => {
    event.preventDefault();
    setError(undefined);
    const replicas = Number(form.replicas);
    try {
      await api("POST", "/v1/replication-groups", {
        ReplicationGroupId: form.id,
        ReplicationGroupDescription: `${form.id} (dashboard)`,
        NumCacheClusters: replicas + 1,
        AutomaticFailoverEnabled: replicas > 0,
        CacheNodeType: form.nodeType,
      });
      setForm({ ...form, id: "" });
      refresh();
    } catch (caught) {
      setError(caught.message);
    }
  };
  return html`<form class="card create" onSubmit=${submit}>
    <h2>New replication group</h2>
    <label>Id <input name="id" required value=${form.id} onInput=${set("id")} placeholder="my-cache" /></label>
    <label
      >Replicas
      <select name="replicas" value=${form.replicas} onChange=${set("replicas")}>
        ${[0, 1, 2, 3, 4, 5].map((count) => html`<option value=${count}>${count}</option>`)}
      </select></label
    >
    <label
      >Node type
      <select name="nodeType" value=${form.nodeType} onChange=${set("nodeType")}>
        ${["cache.t3.micro", "cache.t3.small", "cache.m5.large", "cache.r6g.large"].map((type) => html`<option>${type}</option>`)}
      </select></label
    >
    <button type="submit">Create</button>
    ${error ? html`<span class="error">${error}</span>` : ""}
  </form>`;
}

function Timeline({ events }) {
  return html`<section class="card timeline">
    <h2>Events</h2>
    <ol>
      ${events.map(
        (event) => html`<li>
          <time>${new Date(event.date ?? event.Date).toLocaleTimeString()}</time>
          <span class="muted">${event.sourceIdentifier ?? event.SourceIdentifier}</span>
          ${event.message ?? event.Message}
        </li>`,
      )}
    </ol>
  </section>`;
}

function App() {
  const [state, setState] = useState({ groups: [], clusters: [], nodes: [], loaded: false });
  const [events, setEvents] = useState([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState();
  const pending = useRef();

  const load = useCallback(async () => {
    try {
      const [groups, clusters, nodes] = await Promise.all([
        api("GET", "/v1/replication-groups?MaxRecords=100"),
        api("GET", "/v1/cache-clusters?ShowCacheNodeInfo=true&MaxRecords=100"),
        api("GET", "/dashboard/nodes.json"),
      ]);
      setState({ groups: groups.ReplicationGroups ?? [], clusters: clusters.CacheClusters ?? [], nodes: nodes.nodes ?? [], loaded: true });
      setError(undefined);
    } catch (caught) {
      setError(caught.message);
    }
  }, []);
  // Many events arrive together during a failover: one reload after the burst's first 50 ms.
  const reloadSoon = useCallback(() => {
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      load();
    }, 50);
  }, [load]);

  useEffect(() => {
    load();
    api("GET", "/v1/events?Duration=60&MaxRecords=100")
      .then((out) => setEvents((out.Events ?? []).slice().reverse()))
      .catch(() => undefined);
    const stream = new EventSource("/dashboard/stream");
    stream.onopen = () => setLive(true);
    stream.onerror = () => setLive(false);
    stream.addEventListener("aws-event", (message) => {
      setEvents((before) => [JSON.parse(message.data), ...before].slice(0, 200));
      reloadSoon();
    });
    const timer = setInterval(load, 3000);
    return () => {
      stream.close();
      clearInterval(timer);
    };
  }, [load, reloadSoon]);

  const byId = new Map(state.clusters.map((cluster) => [cluster.CacheClusterId, cluster]));
  const metrics = new Map(state.nodes.map((node) => [`${node.cacheClusterId}/${node.cacheNodeId}`, node.metrics]));
  const metricsOf = (cluster, node) => metrics.get(`${cluster}/${node ?? "0001"}`);
  const standalone = state.clusters.filter((cluster) => !cluster.ReplicationGroupId);
  return html`
    <header class="top">
      <h1>elasticache-local</h1>
      <span class=${live ? "live on" : "live"} data-live=${live}>${live ? "live" : "connecting…"}</span>
      <nav><a href="/docs">API docs</a> <a href="/metrics">metrics</a> <a href="/health">health</a></nav>
    </header>
    ${error ? html`<p class="error">${error}</p>` : ""}
    <div class="layout">
      <div class="resources">
        <${CreateGroup} refresh=${load} />
        ${state.loaded && state.groups.length === 0 && standalone.length === 0 ? html`<p class="muted">No replication group or cache cluster yet.</p>` : ""}
        ${state.groups.map((group) => html`<${Group} key=${group.ReplicationGroupId} group=${group} clusters=${byId} metricsOf=${metricsOf} refresh=${load} />`)}
        ${standalone.map((cluster) => html`<${Cluster} key=${cluster.CacheClusterId} cluster=${cluster} metricsOf=${metricsOf} refresh=${load} />`)}
      </div>
      <${Timeline} events=${events} />
    </div>
  `;
}

render(html`<${App} />`, document.getElementById("app"));
