import { afterAll, describe, expect, it } from "vitest";
import { Cl } from "@stacks/transactions";
import { ErrorLedger, ROLE_AUDITOR, ROLE_FACILITY, deployProxy, deployer, facility, register, stranger } from "./helpers";

const ledger = new ErrorLedger();
const ERR = { NOT_AUTHORIZED: 100, INVALID_ROLE: 101, ALREADY_REGISTERED: 102, NOT_REGISTERED: 103, INVALID_NAME: 104 };

const call = (fn: string, args: any[], sender: string) => simnet.callPublicFn("user-identity", fn, args, sender).result;
const isFacility = (who: string) => simnet.callReadOnlyFn("user-identity", "is-facility", [Cl.principal(who)], stranger).result;

describe("user-identity", () => {
  afterAll(() => ledger.assertCovers("user-identity"));

  it("lets the owner register a facility, readable with its role and height", () => {
    register(facility, ROLE_FACILITY, "Lab A");
    const height = simnet.stacksBlockHeight; // the block the call was mined in
    const identity = simnet.callReadOnlyFn("user-identity", "get-identity", [Cl.principal(facility)], stranger).result;
    expect(identity).toBeSome(Cl.tuple({ role: Cl.uint(1), name: Cl.stringAscii("Lab A"), "registered-at": Cl.uint(height), active: Cl.bool(true) }));
    expect(isFacility(facility)).toBeBool(true);
    expect(simnet.callReadOnlyFn("user-identity", "get-owner", [], stranger).result).toBePrincipal(deployer);
  });

  it("refuses registration by anyone but the owner", () => {
    ledger.expectErr(call("register", [Cl.principal(stranger), Cl.uint(1), Cl.stringAscii("me")], stranger), ERR.NOT_AUTHORIZED);
    expect(simnet.callReadOnlyFn("user-identity", "get-identity", [Cl.principal(stranger)], stranger).result).toBeNone();
  });

  it("checks contract-caller: the owner's signature routed through another contract is refused", () => {
    const proxy = deployProxy();
    const { result } = simnet.callPublicFn(proxy, "register-via", [Cl.principal(stranger)], deployer);
    ledger.expectErr(result, ERR.NOT_AUTHORIZED);
  });

  it("rejects unknown roles, empty names and double registration", () => {
    ledger.expectErr(call("register", [Cl.principal(facility), Cl.uint(0), Cl.stringAscii("x")], deployer), ERR.INVALID_ROLE);
    ledger.expectErr(call("register", [Cl.principal(facility), Cl.uint(3), Cl.stringAscii("x")], deployer), ERR.INVALID_ROLE);
    ledger.expectErr(call("register", [Cl.principal(facility), Cl.uint(1), Cl.stringAscii("")], deployer), ERR.INVALID_NAME);
    register(facility);
    ledger.expectErr(call("register", [Cl.principal(facility), Cl.uint(2), Cl.stringAscii("again")], deployer), ERR.ALREADY_REGISTERED);
  });

  it("an auditor is registered but is not a facility", () => {
    register(stranger, ROLE_AUDITOR, "auditor");
    expect(isFacility(stranger)).toBeBool(false);
  });

  it("changes roles only for registered identities, only by the owner, only to valid roles", () => {
    ledger.expectErr(call("set-role", [Cl.principal(facility), Cl.uint(2)], deployer), ERR.NOT_REGISTERED);
    register(facility);
    ledger.expectErr(call("set-role", [Cl.principal(facility), Cl.uint(2)], facility), ERR.NOT_AUTHORIZED);
    ledger.expectErr(call("set-role", [Cl.principal(facility), Cl.uint(9)], deployer), ERR.INVALID_ROLE);
    expect(call("set-role", [Cl.principal(facility), Cl.uint(ROLE_AUDITOR)], deployer)).toBeOk(Cl.bool(true));
    expect(isFacility(facility)).toBeBool(false);
  });

  it("deactivates and reactivates only by the owner", () => {
    ledger.expectErr(call("set-active", [Cl.principal(facility), Cl.bool(false)], deployer), ERR.NOT_REGISTERED);
    register(facility);
    ledger.expectErr(call("set-active", [Cl.principal(facility), Cl.bool(false)], facility), ERR.NOT_AUTHORIZED);
    expect(call("set-active", [Cl.principal(facility), Cl.bool(false)], deployer)).toBeOk(Cl.bool(true));
    expect(isFacility(facility)).toBeBool(false);
    expect(call("set-active", [Cl.principal(facility), Cl.bool(true)], deployer)).toBeOk(Cl.bool(true));
    expect(isFacility(facility)).toBeBool(true);
  });
});
