/**
 * Shape kinds the ElastiCache model does not use today (maps, flattened lists, renamed members,
 * recursive shapes), exercised through a small synthetic model so the walkers stay generic.
 */
import { describe, expect, it } from "vitest";
import { buildServiceModel } from "../../src/aws/model.ts";
import { parseQueryInput } from "../../src/aws/query-parser.ts";
import { serializeQueryResult } from "../../src/aws/xml-serializer.ts";
import { AwsError } from "../../src/aws/errors.ts";

const model = buildServiceModel({
  metadata: { apiVersion: "2020-01-01", xmlNamespace: "urn:test" },
  operations: {
    Op: {
      input: {
        type: "structure",
        required: ["Renamed"],
        members: {
          Renamed: { locationName: "WireName" },
          Attributes: { shape: "SMap" },
          Flat: { type: "list", member: { locationName: "Item" }, flattened: true },
          FlatNoName: { type: "list", member: {}, flattened: true },
          Tree: { shape: "STree" },
          Ratio: { type: "double" },
        },
      },
      output: {
        resultWrapper: "OpResult",
        type: "structure",
        members: {
          Renamed: { locationName: "WireName" },
          Attributes: { shape: "SMap" },
          Flat: { type: "list", member: { locationName: "Item" }, flattened: true },
          Tree: { shape: "STree" },
          Ratio: { type: "double" },
        },
      },
    },
  },
  shapes: {
    SMap: { type: "map", key: { locationName: "Name" }, value: { type: "integer", locationName: "Count" } },
    STree: { type: "structure", members: { Label: {}, Children: { type: "list", member: { shape: "STree", locationName: "Node" } } } },
  },
});

describe("generic shapes", () => {
  it("parses maps, flattened lists, renamed members and recursive structures", () => {
    const input = parseQueryInput(
      "Op",
      {
        WireName: "x",
        "Attributes.entry.1.Name": "a",
        "Attributes.entry.1.Count": "1",
        "Attributes.entry.2.Name": "b",
        "Attributes.entry.2.Count": "2",
        "Item.1": "i1",
        "Item.2": "i2",
        "FlatNoName.1": "n1",
        "Tree.Label": "root",
        "Tree.Children.Node.1.Label": "child",
        "Tree.Children.Node.1.Children.member.1.Label": "grandchild",
        Ratio: "0.5",
      },
      model,
    );
    expect(input).toEqual({
      Renamed: "x",
      Attributes: { a: 1, b: 2 },
      Flat: ["i1", "i2"],
      FlatNoName: ["n1"],
      Tree: { Label: "root", Children: [{ Label: "child", Children: [{ Label: "grandchild" }] }] },
      Ratio: 0.5,
    });
    const missing = (() => {
      try {
        parseQueryInput("Op", { Ratio: "1" }, model);
      } catch (err) {
        return err as AwsError;
      }
    })();
    expect(missing?.code).toBe("MissingParameter");
    expect(missing?.message).toContain("WireName");
    expect(() => parseQueryInput("Op", { WireName: "x", Ratio: "NaN" }, model)).toThrow(/Ratio/);
    expect(parseQueryInput("Op", { WireName: "x", Attributes: "" }, model).Attributes).toEqual({});
  });

  it("serializes maps, flattened lists, renamed members and recursive structures", () => {
    const xml = serializeQueryResult(
      "Op",
      {
        Renamed: "x",
        Attributes: { a: 1 },
        Flat: ["i1", "i2"],
        Tree: { Label: "root", Children: [{ Label: "child" }] },
        Ratio: 0.25,
      },
      "r",
      model,
    );
    expect(xml).toBe(
      '<OpResponse xmlns="urn:test"><OpResult><WireName>x</WireName>' +
        "<Attributes><entry><Name>a</Name><Count>1</Count></entry></Attributes>" +
        "<Item>i1</Item><Item>i2</Item>" +
        "<Tree><Label>root</Label><Children><Node><Label>child</Label></Node></Children></Tree>" +
        "<Ratio>0.25</Ratio></OpResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></OpResponse>",
    );
  });
});
