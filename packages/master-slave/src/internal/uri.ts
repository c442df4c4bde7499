import * as Redacted from "effect/Redacted"
import { ConnectionString, redactConnectionString } from "mongodb-connection-string-url"
import { ConfigError, showValue } from "../Errors.js"

/** A connection string, checked, with what the library needs to know of it. */
export interface ParsedUri {
  /** The URI to hand the driver. */
  readonly uri: string
  /**
   * The URI with every secret replaced by `***` — the password, and the
   * `proxyPassword`, `tlsCertificateKeyFilePassword` and `AWS_SESSION_TOKEN`
   * parameters — safe to print.
   */
  readonly redacted: string
  /** `host:port` of every host, in order, lower-cased, for display and duplicate checks. */
  readonly hosts: ReadonlyArray<string>
  readonly isSrv: boolean
  readonly params: URLSearchParams
}

const defaultPort = (host: string): string => (/:\d+$/.test(host) || host.endsWith("]") ? host : `${host}:27017`)

/** Parses a MongoDB connection string, failing with a ConfigError that names the setting. */
export const parse = (setting: string, input: unknown): ParsedUri | ConfigError => {
  const uri = reveal(input)
  if (typeof uri !== "string" || uri.trim().length === 0) {
    return new ConfigError({
      setting,
      reason: `expected a mongodb:// connection string, got ${typeof uri === "string" ? JSON.stringify(uri) : showValue(uri)}`
    })
  }
  let cs: ConnectionString
  try {
    cs = new ConnectionString(uri)
  } catch (cause) {
    return new ConfigError({
      setting,
      reason: `${JSON.stringify(redactLoosely(uri))} is not a valid connection string: ${(cause as Error).message}`
    })
  }
  return {
    uri,
    redacted: cs.redact({ redactUsernames: false, replacementString: "***" }).toString(),
    hosts: cs.hosts.map((host) => defaultPort(host.toLowerCase())),
    isSrv: cs.isSRV,
    params: cs.searchParams as unknown as URLSearchParams
  }
}

// Best effort for a string that does not even parse: hide what looks like a secret.
const redactLoosely = (uri: string): string => redactConnectionString(uri, { replacementString: "***" })

/** A connection string with its secrets hidden, whether it parses or not: safe to print. */
export const redact = (uri: string): string => {
  try {
    return new ConnectionString(uri).redact({ redactUsernames: false, replacementString: "***" }).toString()
  } catch {
    return redactLoosely(uri)
  }
}

/** A connection string as it may be given: plain or `Redacted`. */
export type Input = string | Redacted.Redacted<string>

/** The string of a connection string given plain or `Redacted`; anything else as it is, for the check to refuse. */
export const reveal = (uri: unknown): unknown => (Redacted.isRedacted(uri) ? Redacted.value(uri) : uri)

// Names every machine gives its own loopback interface: a node written as
// `localhost` is the node written as `127.0.0.1` or `[::1]`.
const loopback = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "127.0.0.1", "[::1]"])

/**
 * A `host:port` as a key that is the same however the host is written: lower
 * case, IPv4 and IPv6 addresses in their canonical form, the names of the
 * loopback interface as one.
 */
export const canonicalHost = (hostPort: string): string => {
  const match = /^(.*):(\d+)$/.exec(hostPort)
  let host = (match?.[1] ?? hostPort).toLowerCase().replace(/\.$/, "")
  const port = match?.[2] ?? "27017"
  try {
    host = new URL(`http://${host}`).hostname
  } catch {
    // not a host a URL can hold (a socket path, ...): as written
  }
  if (loopback.has(host) || host === "[::ffff:7f00:1]") host = "localhost"
  return `${host}:${port}`
}

/** The node a list of `host:port` names, as a key that is the same however it is written. */
export const nodeKey = (hosts: ReadonlyArray<string>): string => hosts.map(canonicalHost).sort().join(",")

/** The write-concern parameters a connection string may carry, in the spellings the driver accepts. */
export const writeConcernParams = ["w", "wtimeoutMS", "wtimeout", "journal", "j", "fsync"] as const

/** The URI without its write-concern parameters: the connection keeps those itself, in a Ref. */
export const withoutWriteConcern = (uri: string): string => {
  const cs = new ConnectionString(uri)
  for (const param of writeConcernParams) cs.searchParams.delete(param)
  return cs.toString()
}
