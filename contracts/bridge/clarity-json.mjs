// Clarity values <-> plain JSON for the Python side.
// Arguments arrive as single-key objects: {"buff": hex} {"uint": n} {"int": n} {"ascii": s} {"utf8": s}
// {"principal": s} {"bool": b} {"none": null} {"some": arg} {"list": [arg]}.
// Results leave as JSON: (ok v)/(err v) -> {"ok": v}/{"err": v}, none -> null, (some v) -> v,
// buffers -> "0x…" hex, integers -> numbers (decimal strings beyond 2^53), tuples -> objects.
import { Cl, ClarityType, cvToHex, hexToCV } from "@stacks/transactions";

export function toClarity(arg) {
  const entries = Object.entries(arg ?? {});
  if (entries.length !== 1) throw new Error(`argument must be a single-key object, got ${JSON.stringify(arg)}`);
  const [type, value] = entries[0];
  switch (type) {
    case "buff": return Cl.bufferFromHex(String(value).replace(/^0x/, ""));
    case "uint": return Cl.uint(BigInt(value));
    case "int": return Cl.int(BigInt(value));
    case "ascii": return Cl.stringAscii(value);
    case "utf8": return Cl.stringUtf8(value);
    case "principal": return Cl.principal(value);
    case "bool": return Cl.bool(Boolean(value));
    case "none": return Cl.none();
    case "some": return Cl.some(toClarity(value));
    case "list": return Cl.list(value.map(toClarity));
    default: throw new Error(`unknown argument type ${JSON.stringify(type)}`);
  }
}

const integer = (big) => (big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString());

export function fromClarity(cv) {
  switch (cv.type) {
    case ClarityType.ResponseOk: return { ok: fromClarity(cv.value) };
    case ClarityType.ResponseErr: return { err: fromClarity(cv.value) };
    case ClarityType.OptionalNone: return null;
    case ClarityType.OptionalSome: return fromClarity(cv.value);
    case ClarityType.BoolTrue: return true;
    case ClarityType.BoolFalse: return false;
    case ClarityType.UInt:
    case ClarityType.Int: return integer(BigInt(cv.value));
    case ClarityType.Buffer: return "0x" + cv.value;
    case ClarityType.StringASCII:
    case ClarityType.StringUTF8: return cv.value;
    case ClarityType.PrincipalStandard:
    case ClarityType.PrincipalContract: return cv.value;
    case ClarityType.Tuple: return Object.fromEntries(Object.entries(cv.value).map(([k, v]) => [k, fromClarity(v)]));
    case ClarityType.List: return cv.value.map(fromClarity);
    default: throw new Error(`cannot convert Clarity type ${cv.type}`);
  }
}

export const argsFromJson = (args) => (args ?? []).map(toClarity);
export const decodeHex = (hex) => fromClarity(hexToCV(hex));
export { cvToHex, hexToCV };
