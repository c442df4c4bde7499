import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Redacted } from "effect"
import { ConfigError } from "../src/Errors.js"
import * as Uri from "../src/internal/uri.js"
import { splitUris } from "../src/MasterSlaveConnection.js"
import * as Slaves from "../src/Slaves.js"

const parsed = (uri: unknown) => {
  const result = Uri.parse("master", uri)
  if (result instanceof ConfigError) throw new Error(result.message)
  return result
}

describe("connection strings", () => {
  it("every secret is redacted: the password, proxyPassword, tlsCertificateKeyFilePassword, AWS_SESSION_TOKEN", () => {
    const uri =
      "mongodb://ada:s3cret@db0:27017/?proxyHost=p&proxyUsername=pu&proxyPassword=pp1&tls=true&tlsCertificateKeyFilePassword=kp2&authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok3"
    const { redacted } = parsed(uri)
    for (const secret of ["s3cret", "pp1", "kp2", "tok3"]) expect(redacted).not.toContain(secret)
    expect(redacted).toContain("ada:***@db0:27017")
    // a URI given Redacted is read the same way
    expect(parsed(Redacted.make(uri)).redacted).toBe(redacted)
  })

  it("a string that does not parse is shown without what looks like a password", () => {
    const error = Uri.parse("slaves[0]", "mongodb://ada:s3cret@")
    expect(error instanceof ConfigError && error.message).not.toContain("s3cret")
    const notAString = Uri.parse("master", 5n)
    expect(notAString instanceof ConfigError && notAString.message).toBe(
      "bad configuration of master: expected a mongodb:// connection string, got 5n"
    )
  })

  it("a host is the same node however it is written", () => {
    for (const [a, b] of [
      ["localhost:27017", "127.0.0.1:27017"],
      ["LOCALHOST:27017", "[::1]:27017"],
      ["localhost.:5", "127.0.0.1:5"],
      ["[0:0:0:0:0:0:0:1]:7", "localhost:7"],
      ["Db0.Example:27017", "db0.example:27017"]
    ] as const) {
      expect(Uri.canonicalHost(a)).toBe(Uri.canonicalHost(b))
    }
    // another port, another loopback address, another name: another node
    expect(Uri.canonicalHost("localhost:27017")).not.toBe(Uri.canonicalHost("localhost:27018"))
    expect(Uri.canonicalHost("127.0.0.2:27017")).not.toBe(Uri.canonicalHost("127.0.0.1:27017"))
    expect(Slaves.sameNode({ hosts: ["localhost:1", "db1:2"] }, { hosts: ["db1:2", "127.0.0.1:1"] })).toBe(true)
  })

  it.prop(
    "the key of a node does not depend on the order or the case of its hosts",
    [
      fc.array(fc.tuple(fc.oneof(fc.domain(), fc.ipV4(), fc.constant("localhost")), fc.integer({ min: 1, max: 65535 })))
    ],
    ([hosts]) => {
      const written = hosts.map(([host, port]) => `${host}:${port}`)
      const key = Uri.nodeKey(written)
      expect(Uri.nodeKey([...written].reverse().map((host) => host.toUpperCase()))).toBe(key)
    }
  )

  it.prop("any string is a host key, without throwing", [fc.array(fc.string())], ([hosts]) => {
    expect(typeof Uri.nodeKey(hosts)).toBe("string")
  })

  it.prop(
    "URIs joined by commas, spaces, newlines or both split back into the same URIs, a replica set's commas kept",
    [
      fc.array(
        fc
          .tuple(
            fc.constantFrom("mongodb://", "mongodb+srv://", "MONGODB://"),
            fc.array(fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })), { minLength: 1, maxLength: 3 }),
            fc.constantFrom("", "/", "/?directConnection=true", "/db?authSource=admin&w=1")
          )
          .map(([scheme, hosts, rest]) => `${scheme}${hosts.map(([h, p]) => `${h}:${p}`).join(",")}${rest}`),
        { minLength: 1, maxLength: 5 }
      ),
      fc.array(fc.constantFrom(",", " ", ", ", " ,", "\n", "\t", " , "), { minLength: 5, maxLength: 5 })
    ],
    ([uris, separators]) => {
      const joined = uris.map((uri, i) => (i === 0 ? uri : `${separators[i % separators.length]}${uri}`)).join("")
      expect(splitUris(` ${joined} `)).toEqual(uris)
    }
  )
})
