import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Cl, ClarityType } from "@stacks/transactions";
import {
  ErrorLedger, ROLE_AUDITOR, anchor, deployProxy, deployer, facility, otherFacility, register, root, stranger, subscribe,
} from "./helpers";

const ledger = new ErrorLedger();
const ERR = {
  NOT_AUTHORIZED: 300, NOT_FACILITY: 301, SUBSCRIPTION_INACTIVE: 302, INVALID_ROOT: 303, INVALID_COUNT: 304,
  INVALID_SCHEMA: 305, INVALID_CID: 306, ALREADY_ANCHORED: 307, NOT_FOUND: 308, NOT_ACTIVE: 309, INVALID_REPLACEMENT: 310,
};
const PERIOD = 4320;

const call = (fn: string, args: any[], sender: string) => simnet.callPublicFn("data-registry", fn, args, sender).result;
const lookup = (r: any) => simnet.callReadOnlyFn("data-registry", "get-anchor", [r], stranger).result;
const check = (who: string, r: any, count = 3, schema = "1.0.0", cid = "bafkreigh2akiscaildc") =>
  simnet.callReadOnlyFn("data-registry", "check-anchor",
    [Cl.principal(who), r, Cl.uint(count), Cl.stringAscii(schema), Cl.stringAscii(cid)], stranger).result;

describe("data-registry", () => {
  afterAll(() => ledger.assertCovers("data-registry"));

  describe("with a subscribed facility", () => {
    beforeEach(() => {
      register(facility, 1, "Lab A");
      register(otherFacility, 1, "Lab B");
      subscribe(facility);
      subscribe(otherFacility);
    });

    it("anchors a root and returns every field on lookup", () => {
      expect(check(facility, root(0xab))).toBeOk(Cl.bool(true));
      const result = anchor(facility, root(0xab), 96, "1.0.0", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
      const height = simnet.stacksBlockHeight;
      expect(result).toBeOk(Cl.uint(height));
      expect(lookup(root(0xab))).toBeSome(Cl.tuple({
        registrant: Cl.principal(facility), "block-height": Cl.uint(height), count: Cl.uint(96), schema: Cl.stringAscii("1.0.0"),
        cid: Cl.stringAscii("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"),
        status: Cl.stringAscii("active"), "superseded-by": Cl.none(),
      }));
      expect(lookup(root(0xcd))).toBeNone();
      expect(simnet.callReadOnlyFn("data-registry", "get-anchor-total", [], stranger).result).toBeUint(1);
    });

    it("refuses a duplicate root, from the same or another facility, and keeps the first record", () => {
      expect(anchor(facility, root(1))).toHaveClarityType(ClarityType.ResponseOk);
      const first = lookup(root(1));
      ledger.expectErr(anchor(facility, root(1), 5), ERR.ALREADY_ANCHORED);
      ledger.expectErr(anchor(otherFacility, root(1)), ERR.ALREADY_ANCHORED);
      ledger.expectErr(check(facility, root(1)), ERR.ALREADY_ANCHORED);
      expect(lookup(root(1))).toStrictEqual(first);
    });

    it("validates root length, count, schema and cid", () => {
      ledger.expectErr(anchor(facility, Cl.bufferFromHex("ab".repeat(31))), ERR.INVALID_ROOT);
      ledger.expectErr(anchor(facility, Cl.bufferFromHex("")), ERR.INVALID_ROOT);
      ledger.expectErr(anchor(facility, root(2), 0), ERR.INVALID_COUNT);
      ledger.expectErr(anchor(facility, root(2), 1, ""), ERR.INVALID_SCHEMA);
      ledger.expectErr(anchor(facility, root(2), 1, "1.0.0", ""), ERR.INVALID_CID);
      expect(lookup(root(2))).toBeNone();
    });

    it("lets the registrant revoke, once", () => {
      anchor(facility, root(3));
      expect(call("revoke", [root(3)], facility)).toBeOk(Cl.bool(true));
      expect(lookup(root(3))).toBeSome(expect.objectContaining({}));
      expect((lookup(root(3)) as any).value.value.status).toBeAscii("revoked");
      ledger.expectErr(call("revoke", [root(3)], facility), ERR.NOT_ACTIVE);
      // a revoked root stays taken: it cannot be anchored again
      ledger.expectErr(anchor(facility, root(3)), ERR.ALREADY_ANCHORED);
    });

    it("lets the contract owner revoke any anchor, and nobody else", () => {
      anchor(facility, root(4));
      ledger.expectErr(call("revoke", [root(4)], otherFacility), ERR.NOT_AUTHORIZED);
      ledger.expectErr(call("revoke", [root(4)], stranger), ERR.NOT_AUTHORIZED);
      expect(call("revoke", [root(4)], deployer)).toBeOk(Cl.bool(true));
      ledger.expectErr(call("revoke", [root(5)], deployer), ERR.NOT_FOUND);
    });

    it("checks contract-caller: the registrant's signature routed through a contract cannot revoke", () => {
      anchor(facility, root(6));
      const proxy = deployProxy();
      ledger.expectErr(simnet.callPublicFn(proxy, "revoke-via", [root(6)], facility).result, ERR.NOT_AUTHORIZED);
      // and a facility's signature does not make the proxy a facility
      ledger.expectErr(simnet.callPublicFn(proxy, "anchor-via", [root(7)], facility).result, ERR.NOT_FACILITY);
      expect((lookup(root(6)) as any).value.value.status).toBeAscii("active");
    });

    it("supersedes an anchor with another active one, by registrant or owner", () => {
      anchor(facility, root(8));
      anchor(facility, root(9));
      anchor(facility, root(10));
      expect(call("supersede", [root(8), root(9)], facility)).toBeOk(Cl.bool(true));
      const record = (lookup(root(8)) as any).value.value;
      expect(record.status).toBeAscii("superseded");
      expect(record["superseded-by"]).toBeSome(root(9));
      ledger.expectErr(call("supersede", [root(8), root(10)], facility), ERR.NOT_ACTIVE);
      ledger.expectErr(call("supersede", [root(9), root(10)], otherFacility), ERR.NOT_AUTHORIZED);
      expect(call("supersede", [root(9), root(10)], deployer)).toBeOk(Cl.bool(true));
      ledger.expectErr(call("supersede", [root(11), root(10)], facility), ERR.NOT_FOUND);
    });

    it("refuses a missing, identical or inactive replacement", () => {
      anchor(facility, root(12));
      anchor(facility, root(13));
      ledger.expectErr(call("supersede", [root(12), root(99)], facility), ERR.INVALID_REPLACEMENT);
      ledger.expectErr(call("supersede", [root(12), root(12)], facility), ERR.INVALID_REPLACEMENT);
      call("revoke", [root(13)], facility);
      ledger.expectErr(call("supersede", [root(12), root(13)], facility), ERR.INVALID_REPLACEMENT);
      expect((lookup(root(12)) as any).value.value.status).toBeAscii("active");
    });
  });

  describe("who may anchor", () => {
    it("refuses an unregistered principal even with a subscription", () => {
      subscribe(stranger);
      ledger.expectErr(anchor(stranger, root(20)), ERR.NOT_FACILITY);
      ledger.expectErr(check(stranger, root(20)), ERR.NOT_FACILITY);
    });

    it("refuses an auditor and a deactivated facility", () => {
      register(stranger, ROLE_AUDITOR, "auditor");
      subscribe(stranger);
      ledger.expectErr(anchor(stranger, root(21)), ERR.NOT_FACILITY);
      register(facility);
      subscribe(facility);
      simnet.callPublicFn("user-identity", "set-active", [Cl.principal(facility), Cl.bool(false)], deployer);
      ledger.expectErr(anchor(facility, root(21)), ERR.NOT_FACILITY);
    });

    it("refuses revoke and supersede by a deactivated registrant; the owner still may", () => {
      register(facility);
      subscribe(facility);
      anchor(facility, root(24));
      anchor(facility, root(25));
      const { result } = simnet.callPublicFn("user-identity", "set-active", [Cl.principal(facility), Cl.bool(false)], deployer);
      expect(result).toBeOk(Cl.bool(true));
      ledger.expectErr(call("revoke", [root(24)], facility), ERR.NOT_FACILITY);
      ledger.expectErr(call("supersede", [root(24), root(25)], facility), ERR.NOT_FACILITY);
      expect((lookup(root(24)) as any).value.value.status).toBeAscii("active");
      expect(call("revoke", [root(24)], deployer)).toBeOk(Cl.bool(true));
      expect((lookup(root(24)) as any).value.value.status).toBeAscii("revoked");
    });

    it("refuses a facility without a subscription, and after it expires", () => {
      register(facility);
      ledger.expectErr(anchor(facility, root(22)), ERR.SUBSCRIPTION_INACTIVE);
      subscribe(facility);
      expect(anchor(facility, root(22))).toHaveClarityType(ClarityType.ResponseOk);
      simnet.mineEmptyBlocks(PERIOD);
      ledger.expectErr(anchor(facility, root(23)), ERR.SUBSCRIPTION_INACTIVE);
      ledger.expectErr(check(facility, root(23)), ERR.SUBSCRIPTION_INACTIVE);
      // revoking needs no subscription: it only ever removes trust
      expect(call("revoke", [root(22)], facility)).toBeOk(Cl.bool(true));
    });
  });
});
