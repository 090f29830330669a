// Shared fixtures for the contract suite: accounts, error-code bookkeeping, a proxy contract for
// contract-caller paths, and a facility set up the way production uses the contracts.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { Cl, ClarityType, ClarityValue, ClarityVersion } from "@stacks/transactions";

export const accounts = simnet.getAccounts();
export const deployer = accounts.get("deployer")!;
export const facility = accounts.get("wallet_1")!;
export const otherFacility = accounts.get("wallet_2")!;
export const stranger = accounts.get("wallet_3")!;

export const ROLE_FACILITY = 1;
export const ROLE_AUDITOR = 2;

/** Every `(define-constant ERR-NAME (err uN))` in a contract, as name -> code, read from its source. */
export function errorConstants(contract: string): Map<string, number> {
  const source = readFileSync(new URL(`../contracts/${contract}.clar`, import.meta.url), "utf8");
  const found = new Map<string, number>();
  for (const m of source.matchAll(/\(define-constant (ERR-[A-Z-]+) \(err u(\d+)\)\)/g)) {
    found.set(m[1], Number(m[2]));
  }
  return found;
}

/** Records which error codes a suite has actually observed, so it can prove it covered them all. */
export class ErrorLedger {
  readonly seen = new Set<number>();
  expectErr(result: ClarityValue, code: number) {
    expect(result).toBeErr(Cl.uint(code));
    this.seen.add(code);
  }
  assertCovers(contract: string) {
    const missing = [...errorConstants(contract)].filter(([, code]) => !this.seen.has(code));
    expect(missing, `error constants of ${contract} never exercised`).toEqual([]);
  }
}

export const root = (byte: number) => Cl.bufferFromHex(byte.toString(16).padStart(2, "0").repeat(32));

export function register(who: string, role = ROLE_FACILITY, name = "facility") {
  const { result } = simnet.callPublicFn("user-identity", "register", [Cl.principal(who), Cl.uint(role), Cl.stringAscii(name)], deployer);
  expect(result).toBeOk(Cl.bool(true));
}

export function subscribe(who: string, periods = 1) {
  const { result } = simnet.callPublicFn("subscription-access", "subscribe", [Cl.uint(periods)], who);
  expect(result).toHaveClarityType(ClarityType.ResponseOk);
  return result;
}

export function anchor(who: string, rootCv: ClarityValue, count = 3, schema = "1.0.0", cid = "bafkreigh2akiscaildc") {
  return simnet.callPublicFn("data-registry", "anchor", [rootCv, Cl.uint(count), Cl.stringAscii(schema), Cl.stringAscii(cid)], who).result;
}

/**
 * Deploy (as `owner`) a contract that forwards calls to ours, so tx-sender is the signer but
 * contract-caller is the proxy: authorisation must look at contract-caller.
 */
export function deployProxy(owner = stranger) {
  const source = `
(define-public (register-via (who principal))
  (contract-call? '${deployer}.user-identity register who u1 "via proxy"))
(define-public (set-price-via (p uint))
  (contract-call? '${deployer}.subscription-access set-price p))
(define-public (anchor-via (root (buff 32)))
  (contract-call? '${deployer}.data-registry anchor root u1 "1.0.0" "bafkproxy"))
(define-public (revoke-via (root (buff 32)))
  (contract-call? '${deployer}.data-registry revoke root))
(define-public (subscribe-via (periods uint))
  (contract-call? '${deployer}.subscription-access subscribe periods))
`;
  const { result } = simnet.deployContract("proxy", source, { clarityVersion: ClarityVersion.Clarity4 }, owner);
  expect(result).toBeBool(true); // a deployment's result is the bare value `true`
  return `${owner}.proxy`;
}
