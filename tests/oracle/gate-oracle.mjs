// The trust gate's oracle (tests/support/gate/gate.py): like oracle.mjs, one JSON object per line
// {"id", "simulation", "mode"} in, {"id", "overallResult", "ignoredContextKeys"} out, with the
// iam-simulate simulation mode chosen per request ("Strict" unless told).
//
// Why a mode: iam-simulate's service data lists no SAML:* condition keys for sts:SetSourceIdentity,
// so in Strict mode it ignores `SAML:aud` there and denies, while AWS evaluates the SetSourceIdentity
// permission of AssumeRoleWithSAML in the same request context (the IAM User Guide's source-identity
// trust example puts both actions under one SAML:aud condition). The gate evaluates that one check
// in Discovery mode and accepts the answer only when nothing but SAML:* keys was ignored; the
// SAML:aud condition itself is enforced by the Strict AssumeRoleWithSAML check.
//
// @cloud-copilot/iam-simulate is AGPL-licensed: installed at test time, never copied here.
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
const write = (object) => process.stdout.write(JSON.stringify(object) + '\n')

for await (const line of lines) {
  if (line.trim() === '') continue
  let id = null
  try {
    const input = JSON.parse(line)
    id = input.id
    const response = await runSimulation(input.simulation, { simulationMode: input.mode ?? 'Strict' })
    if (response.resultType === 'error') {
      write({ id, resultType: 'error', errors: response.errors })
    } else if (response.resultType === 'single') {
      write({
        id,
        resultType: 'single',
        overallResult: response.overallResult,
        ignoredContextKeys: response.result.ignoredContextKeys ?? []
      })
    } else {
      write({ id, failure: `unexpected result type ${response.resultType}` })
    }
  } catch (error) {
    write({ id, failure: String(error && error.stack ? error.stack : error) })
  }
}
