// The AWS SDK for JavaScript v3 as an ordinary program: one STS client resolving credentials
// through the default provider chain (whatever the environment offers: environment variables, a
// profile's credential_process, ...) and calling GetCallerIdentity. Prints one JSON object: the
// identity, the access key the call was signed with, and the credential features the SDK
// recorded ($source: CREDENTIALS_ENV_VARS, CREDENTIALS_PROFILE_PROCESS, ...), which name the
// provider that answered.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const client = new STSClient({ region: "us-east-1" });
const credentials = await client.config.credentials();
const identity = await client.send(new GetCallerIdentityCommand({}));
console.log(
  JSON.stringify({
    arn: identity.Arn,
    key: credentials.accessKeyId,
    source: Object.keys(credentials.$source ?? {}).sort(),
  }),
);
