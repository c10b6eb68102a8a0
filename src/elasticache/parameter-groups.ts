/**
 * Cache parameter groups: CreateCacheParameterGroup, DescribeCacheParameterGroups,
 * ModifyCacheParameterGroup, ResetCacheParameterGroup, DeleteCacheParameterGroup,
 * DescribeCacheParameters, DescribeEngineDefaultParameters, for the families this machine runs.
 * The default.* groups come from the catalog and are read-only. A change is written with every
 * cluster using the group (store/parameter-groups.ts); the parameter controller then applies live
 * parameters with CONFIG SET, and the rest wait for RebootCacheCluster (pending-reboot).
 */
import type * as Aws from "@aws-sdk/client-elasticache";
import { arnOf } from "../domain/arn.ts";
import type { EngineOffer } from "../domain/catalog.ts";
import { event } from "../domain/events.ts";
import { defaultGroupNamed, defaultGroupsOf, invalidValue, parametersOf, type ParameterDef } from "../domain/parameters.ts";
import type { ApplyAs } from "../store/index.ts";
import { AwsError, errors } from "../aws/errors.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";
import type { ServiceContext } from "./context.ts";
import { page, pageRequest } from "./paging.ts";
import { retrying } from "./store-errors.ts";
import { optionalBool, optionalString, requiredString, resourceId } from "./validate.ts";

/** AWS refuses more than 20 parameters in one ModifyCacheParameterGroup / ResetCacheParameterGroup. */
export const MAX_PARAMETERS_PER_CALL = 20;

const notFound = (name: string) => new AwsError("CacheParameterGroupNotFound", `CacheParameterGroup ${name} not found.`);
const groupEvent = (name: string, message: string) => event("cache-parameter-group", name, message);

interface ResolvedGroup {
  name: string;
  family: string;
  description: string;
  /** The values set in it (the default groups': the catalog's variant values). */
  values: Record<string, string>;
  isDefault: boolean;
}

export class ParameterGroupService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Families this machine can run, each with a catalog. */
  private families(): string[] {
    return [...new Set(this.ctx.catalog.engines.map((offer) => offer.family))].filter((family) => parametersOf(family));
  }

  private defaultGroups(): ResolvedGroup[] {
    return this.families().flatMap((family) =>
      defaultGroupsOf(family).map((group) => ({ name: group.name, family, description: `Default parameter group for ${family}`, values: group.values, isDefault: true })),
    );
  }

  async load(nameInput: unknown, param = "CacheParameterGroupName"): Promise<ResolvedGroup> {
    const name = requiredString(nameInput, param);
    const builtIn = defaultGroupNamed(name);
    if (builtIn && this.families().includes(builtIn.family)) {
      return { name, family: builtIn.family, description: `Default parameter group for ${builtIn.family}`, values: builtIn.values, isDefault: true };
    }
    const row = name.length <= 255 ? await this.ctx.store.parameterGroups.get(name.toLowerCase()) : undefined;
    if (!row) throw notFound(name);
    return { ...row, values: await this.ctx.store.parameterGroups.values(row.name), isDefault: false };
  }

  /**
   * The parameter group a new or modified cluster or group uses: the default of its engine's
   * family when none is named (default.<family>.cluster.on in cluster mode); a named one must
   * exist and be of that family (AWS's InvalidParameterCombination otherwise), and its
   * cluster-enabled must match the group's cluster mode.
   */
  async resolveFor(engine: EngineOffer, requested: string | undefined, clusterMode = false): Promise<string> {
    if (requested === undefined) return clusterMode ? `default.${engine.family}.cluster.on` : `default.${engine.family}`;
    const group = await this.load(requested);
    if (group.family !== engine.family) {
      throw errors.invalidParameterCombination(`Expected a parameter group of family ${engine.family} but found one of family ${group.family}.`);
    }
    const enables = group.values["cluster-enabled"] === "yes";
    if (enables && !clusterMode) {
      throw errors.invalidParameterCombination(`Parameter group ${group.name} has cluster-enabled yes; it is for replication groups with cluster mode enabled.`);
    }
    if (!enables && clusterMode) {
      throw errors.invalidParameterCombination(`Cluster mode needs a parameter group with cluster-enabled yes; ${group.name} has cluster-enabled no.`);
    }
    return group.name;
  }

  /** Whether a named group turns cluster mode on (cluster-enabled yes); CacheParameterGroupNotFound for an unknown one. */
  async enablesClusterMode(name: string): Promise<boolean> {
    return (await this.load(name)).values["cluster-enabled"] === "yes";
  }

  /**
   * CacheParameterGroupName on a modify: the group to switch to and how its values apply (live,
   * or at the next reboot when a reboot-only value differs); undefined when nothing changes.
   */
  async switchTo(engine: EngineOffer, current: string, requested: string | undefined, clusterMode = false): Promise<{ name: string; applyAs: ApplyAs } | undefined> {
    if (requested === undefined) return undefined;
    const name = await this.resolveFor(engine, requested, clusterMode);
    if (name === current) return undefined;
    const [before, after] = [(await this.load(current)).values, (await this.load(name)).values];
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]);
    return { name, applyAs: changed.length === 0 ? "applying" : this.applyAs(engine.family, changed) };
  }

  private shape(group: ResolvedGroup): Aws.CacheParameterGroup {
    return {
      CacheParameterGroupName: group.name,
      CacheParameterGroupFamily: group.family,
      Description: group.description,
      IsGlobal: false,
      ARN: arnOf(this.ctx.account, "parametergroup", group.name),
    };
  }

  async create(input: InputOf<"CreateCacheParameterGroup">): Promise<OutputOf<"CreateCacheParameterGroup">> {
    const name = resourceId(input.CacheParameterGroupName, "CacheParameterGroupName", 255);
    const family = requiredString(input.CacheParameterGroupFamily, "CacheParameterGroupFamily");
    const description = requiredString(input.Description, "Description");
    if (description.length > 255) throw errors.invalidParameterValue("Description must be at most 255 characters.");
    if (!this.families().includes(family)) {
      throw errors.invalidParameterValue(`CacheParameterGroupFamily ${family} is not one this machine runs (${this.families().join(", ")}).`);
    }
    if (defaultGroupNamed(name) || name.startsWith("default.")) throw new AwsError("CacheParameterGroupAlreadyExists", `Cache parameter group ${name} already exists.`);
    const row = await this.ctx.store.parameterGroups.create({ name, family, description }, [groupEvent(name, `Cache parameter group ${name} created`)]);
    return { CacheParameterGroup: this.shape({ ...row, values: {}, isDefault: false }) };
  }

  async describe(input: InputOf<"DescribeCacheParameterGroups">): Promise<OutputOf<"DescribeCacheParameterGroups">> {
    const request = pageRequest(input);
    if (input.CacheParameterGroupName !== undefined) {
      const group = await this.load(input.CacheParameterGroupName);
      return { CacheParameterGroups: [this.shape(group)] };
    }
    const own = await this.ctx.store.parameterGroups.list();
    const all = [...this.defaultGroups(), ...own.map((row) => ({ ...row, values: {}, isDefault: false }))].sort((a, b) => (a.name < b.name ? -1 : 1));
    const result = page(all, (group) => group.name, request);
    return { Marker: result.Marker, CacheParameterGroups: result.items.map((group) => this.shape(group)) };
  }

  /** The group's parameters as AWS lists them, with their Source. */
  private parameters(group: ResolvedGroup): Aws.Parameter[] {
    return (parametersOf(group.family) ?? []).map((parameter) => {
      const own = Object.hasOwn(group.values, parameter.name);
      return toParameter(parameter, own ? group.values[parameter.name] : parameter.value, own && !group.isDefault ? "user" : own ? "system" : "engine-default");
    });
  }

  async describeParameters(input: InputOf<"DescribeCacheParameters">): Promise<OutputOf<"DescribeCacheParameters">> {
    const request = pageRequest(input);
    const group = await this.load(input.CacheParameterGroupName);
    const source = optionalString(input.Source, "Source", 20);
    if (source !== undefined && !["user", "system", "engine-default"].includes(source)) {
      throw errors.invalidParameterValue('Source must be one of "user", "system", "engine-default".');
    }
    const parameters = this.parameters(group).filter((parameter) => source === undefined || parameter.Source === source);
    const result = page(parameters, (parameter) => parameter.ParameterName!, request);
    return { Marker: result.Marker, Parameters: result.items };
  }

  async describeEngineDefaults(input: InputOf<"DescribeEngineDefaultParameters">): Promise<OutputOf<"DescribeEngineDefaultParameters">> {
    const request = pageRequest(input);
    const family = requiredString(input.CacheParameterGroupFamily, "CacheParameterGroupFamily");
    if (!this.families().includes(family)) {
      throw errors.invalidParameterValue(`CacheParameterGroupFamily ${family} is not one this machine runs (${this.families().join(", ")}).`);
    }
    const parameters = (parametersOf(family) ?? []).map((parameter) => toParameter(parameter, parameter.value, "engine-default"));
    const result = page(parameters, (parameter) => parameter.ParameterName!, request);
    return { EngineDefaults: { CacheParameterGroupFamily: family, Marker: result.Marker, Parameters: result.items } };
  }

  /** A user group that may be changed: default groups are AWS's and read-only. */
  private async changeable(nameInput: unknown): Promise<ResolvedGroup> {
    const group = await this.load(nameInput);
    if (group.isDefault) throw errors.invalidParameterValue(`Default parameter group ${group.name} cannot be modified; create a parameter group of family ${group.family}.`);
    return group;
  }

  /** Whether changing `names` needs a reboot of the clusters (any reboot-only parameter, and every Memcached one). */
  private applyAs(family: string, names: string[]): ApplyAs {
    const catalog = parametersOf(family) ?? [];
    return names.some((name) => catalog.find((parameter) => parameter.name === name)?.changeType !== "immediate") ? "pending-reboot" : "applying";
  }

  async modify(input: InputOf<"ModifyCacheParameterGroup">): Promise<OutputOf<"ModifyCacheParameterGroup">> {
    const group = await this.changeable(input.CacheParameterGroupName);
    const pairs = input.ParameterNameValues;
    if (!Array.isArray(pairs) || pairs.length === 0) throw errors.missingParameter("ParameterNameValues");
    if (pairs.length > MAX_PARAMETERS_PER_CALL) throw errors.invalidParameterCombination(`Cannot modify more than ${MAX_PARAMETERS_PER_CALL} parameters in a single request.`);
    const catalog = parametersOf(group.family) ?? [];
    const values: Record<string, string> = {};
    for (const pair of pairs) {
      const name = requiredString(pair?.ParameterName, "ParameterNameValues.ParameterName");
      const value = pair?.ParameterValue ?? "";
      if (typeof value !== "string") throw errors.invalidParameterValue(`ParameterValue of ${name} must be a string.`);
      const parameter = catalog.find((candidate) => candidate.name === name);
      if (!parameter) throw errors.invalidParameterValue(`Unknown parameter ${name} for family ${group.family}.`);
      if (!parameter.modifiable) throw errors.invalidParameterValue(`Parameter ${name} is not modifiable.`);
      const why = invalidValue(parameter, value);
      if (why) throw errors.invalidParameterValue(`Invalid value "${value}" for parameter ${name}: ${why}.`);
      if (name === "cluster-enabled" && (await this.inUse(group.name))) {
        throw errors.invalidParameterCombination(`Parameter group ${group.name} is in use; cluster-enabled cannot change while clusters use it.`);
      }
      values[name] = value;
    }
    const summary = Object.entries(values).map(([name, value]) => `${name}=${value}`).join(", ");
    await retrying(() => this.ctx.store.parameterGroups.change(group.name, values, this.applyAs(group.family, Object.keys(values)), [groupEvent(group.name, `Updated parameter group ${group.name}: ${summary}`)]));
    this.ctx.controllers.kick();
    return { CacheParameterGroupName: group.name };
  }

  async reset(input: InputOf<"ResetCacheParameterGroup">): Promise<OutputOf<"ResetCacheParameterGroup">> {
    const group = await this.changeable(input.CacheParameterGroupName);
    const all = optionalBool(input.ResetAllParameters, "ResetAllParameters") ?? false;
    const pairs = input.ParameterNameValues ?? [];
    if (!Array.isArray(pairs)) throw errors.invalidParameterValue("ParameterNameValues must be a list.");
    if (all && pairs.length > 0) throw errors.invalidParameterCombination("Give either ResetAllParameters or ParameterNameValues, not both.");
    if (!all && pairs.length === 0) throw errors.missingParameter("ResetAllParameters or ParameterNameValues");
    if (pairs.length > MAX_PARAMETERS_PER_CALL) throw errors.invalidParameterCombination(`Cannot reset more than ${MAX_PARAMETERS_PER_CALL} parameters in a single request.`);
    const catalog = parametersOf(group.family) ?? [];
    const names = all ? Object.keys(group.values) : pairs.map((pair) => requiredString(pair?.ParameterName, "ParameterNameValues.ParameterName"));
    const unknown = names.find((name) => !catalog.some((parameter) => parameter.name === name));
    if (unknown !== undefined) throw errors.invalidParameterValue(`Unknown parameter ${unknown} for family ${group.family}.`);
    const values = Object.fromEntries(names.map((name) => [name, null]));
    await this.ctx.store.parameterGroups.change(group.name, values, this.applyAs(group.family, names), [groupEvent(group.name, `Reset parameter group ${group.name}: ${all ? "all parameters" : names.join(", ")}`)]);
    this.ctx.controllers.kick();
    return { CacheParameterGroupName: group.name };
  }

  async delete(input: InputOf<"DeleteCacheParameterGroup">): Promise<OutputOf<"DeleteCacheParameterGroup">> {
    const name = requiredString(input.CacheParameterGroupName, "CacheParameterGroupName");
    if (defaultGroupNamed(name)) throw new AwsError("InvalidCacheParameterGroupState", `Default parameter group ${name} cannot be deleted.`);
    const group = await this.load(name);
    await this.ctx.store.parameterGroups.remove(group.name, [groupEvent(group.name, `Cache parameter group ${group.name} deleted`)]);
    return {};
  }

  private async inUse(name: string): Promise<boolean> {
    return (await this.ctx.store.cacheClusters.list()).some((cluster) => cluster.parameterGroupName === name);
  }
}

function toParameter(parameter: ParameterDef, value: string, source: string): Aws.Parameter {
  return {
    ParameterName: parameter.name,
    ParameterValue: value,
    Description: parameter.description,
    Source: source,
    DataType: parameter.dataType,
    AllowedValues: parameter.allowedValues,
    IsModifiable: parameter.modifiable,
    MinimumEngineVersion: parameter.minimumEngineVersion,
    ChangeType: parameter.changeType,
  };
}
