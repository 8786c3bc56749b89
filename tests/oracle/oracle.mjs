// Differential-test oracle for awsfed-policy.
//
// Reads one JSON object per line on stdin: {"id": <any>, "simulation": <iam-simulate Simulation>}
// and writes one JSON object per line on stdout, in the same order:
// {"id", "resultType", "overallResult", "ignoredContextKeys", "errors"}.
// Runs as one long-lived process; a bad line yields {"id", "failure": "<message>"} and the loop goes on.
//
// @cloud-copilot/iam-simulate is AGPL-licensed: it is installed at test time with
// `npm ci --prefix tests/oracle` and never copied into this repository.
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
    const response = await runSimulation(input.simulation, { simulationMode: 'Strict' })
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
      write({
        id,
        resultType: response.resultType,
        overallResult: response.overallResult,
        ignoredContextKeys: [...new Set(response.results.flatMap((r) => r.ignoredContextKeys ?? []))]
      })
    }
  } catch (error) {
    write({ id, failure: String(error && error.stack ? error.stack : error) })
  }
}
