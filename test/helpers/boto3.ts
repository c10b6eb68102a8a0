/** boto3, the Python SDK, for tests: one ElastiCache call; its result, or its error code and HTTP status. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

const SCRIPT = `
import boto3, json, sys
from botocore.exceptions import ClientError
client = boto3.client("elasticache", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
try:
    out = getattr(client, sys.argv[2])(**json.loads(sys.argv[3]))
    out.pop("ResponseMetadata", None)
    print(json.dumps({"ok": out}, default=str))
except ClientError as e:
    print(json.dumps({"error": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))
`;

/** `operation` as AWS names it (CreateReplicationGroup); boto3's snake_case method is derived. */
export async function boto3(url: string, operation: string, input: Record<string, unknown>): Promise<{ ok?: any; error?: string; status?: number }> {
  const method = operation.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const { stdout } = await run("python3", ["-c", SCRIPT, url, method, JSON.stringify(input)]);
  return JSON.parse(stdout);
}
