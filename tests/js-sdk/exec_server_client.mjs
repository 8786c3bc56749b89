// The AWS SDK for JavaScript v3 as the command of `awsfed exec --server`: two STS clients, each
// resolving credentials through the default provider chain (the container endpoint here) and
// calling GetCallerIdentity. Between them it prints `ready` and waits for a line on standard input
// (the test ages the cached session meanwhile). Prints one JSON object last.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const calls = [];
for (let i = 0; i < 2; i++) {
  if (i === 1) {
    console.log("ready");
    await new Promise((resolve) => process.stdin.once("data", resolve));
    process.stdin.pause();
  }
  const client = new STSClient({ region: "us-east-1" });
  const credentials = await client.config.credentials();
  const identity = await client.send(new GetCallerIdentityCommand({}));
  calls.push({ arn: identity.Arn, key: credentials.accessKeyId });
}
console.log(JSON.stringify({ calls }));
