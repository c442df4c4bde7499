import { ConnectionString } from "mongodb-connection-string-url"
import { ConfigError } from "../Errors.js"

/** A connection string, checked, with what the library needs to know of it. */
export interface ParsedUri {
  /** The URI to hand the driver. */
  readonly uri: string
  /** The URI with any password replaced by `***`, safe to print. */
  readonly redacted: string
  /** `host:port` of every host, in order, lower-cased, for display and duplicate checks. */
  readonly hosts: ReadonlyArray<string>
  readonly isSrv: boolean
  readonly params: URLSearchParams
}

const defaultPort = (host: string): string => (/:\d+$/.test(host) || host.endsWith("]") ? host : `${host}:27017`)

/** Parses a MongoDB connection string, failing with a ConfigError that names the setting. */
export const parse = (setting: string, uri: unknown): ParsedUri | ConfigError => {
  if (typeof uri !== "string" || uri.trim().length === 0) {
    return new ConfigError({ setting, reason: `expected a mongodb:// connection string, got ${JSON.stringify(uri)}` })
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
  const redacted = cs.clone()
  if (redacted.password !== "") redacted.password = "***"
  return {
    uri,
    redacted: redacted.toString(),
    hosts: cs.hosts.map((host) => defaultPort(host.toLowerCase())),
    isSrv: cs.isSRV,
    params: cs.searchParams as unknown as URLSearchParams
  }
}

// Best effort for a string that does not even parse: hide what looks like a password.
const redactLoosely = (uri: string): string => uri.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@")

/** The write-concern parameters a connection string may carry, in the spellings the driver accepts. */
export const writeConcernParams = ["w", "wtimeoutMS", "wtimeout", "journal", "j", "fsync"] as const

/** The URI without its write-concern parameters: the connection keeps those itself, in a Ref. */
export const withoutWriteConcern = (uri: string): string => {
  const cs = new ConnectionString(uri)
  for (const param of writeConcernParams) cs.searchParams.delete(param)
  return cs.toString()
}
