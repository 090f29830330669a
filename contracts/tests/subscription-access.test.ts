import { afterAll, describe, expect, it } from "vitest";
import { Cl, ClarityType } from "@stacks/transactions";
import { ErrorLedger, deployProxy, deployer, facility, otherFacility, stranger } from "./helpers";

const ledger = new ErrorLedger();
const ERR = { NOT_AUTHORIZED: 200, INVALID_PERIODS: 201, INVALID_PRICE: 202, INVALID_WINDOW: 203, PAYMENT_FAILED: 204 };
const PRICE = 1_000_000n;
const PERIOD = 4320;

const call = (fn: string, args: any[], sender: string) => simnet.callPublicFn("subscription-access", fn, args, sender);
const isActive = (who: string) => simnet.callReadOnlyFn("subscription-access", "is-active", [Cl.principal(who)], stranger).result;
const stx = (who: string) => simnet.getAssetsMap().get("STX")!.get(who)!;

describe("subscription-access", () => {
  afterAll(() => ledger.assertCovers("subscription-access"));

  it("charges the price per period to the treasury and opens a window of period-blocks", () => {
    const before = { payer: stx(facility), treasury: stx(deployer) };
    const { result, events } = call("subscribe", [Cl.uint(2)], facility);
    const mined = simnet.stacksBlockHeight;
    expect(result).toBeOk(Cl.uint(mined + 2 * PERIOD));
    expect(events[0].event).toBe("stx_transfer_event");
    expect(stx(facility)).toBe(before.payer - 2n * PRICE);
    expect(stx(deployer)).toBe(before.treasury + 2n * PRICE);
    expect(isActive(facility)).toBeBool(true);
    expect(simnet.callReadOnlyFn("subscription-access", "get-expiry", [Cl.principal(facility)], facility).result)
      .toBeSome(Cl.uint(mined + 2 * PERIOD));
  });

  it("is inactive without a subscription and after the window ends", () => {
    expect(isActive(facility)).toBeBool(false);
    const { result } = call("subscribe", [Cl.uint(1)], facility);
    expect(result).toBeOk(Cl.uint(simnet.stacksBlockHeight + PERIOD));
    simnet.mineEmptyBlocks(PERIOD - 2);
    expect(isActive(facility)).toBeBool(true);
    simnet.mineEmptyBlocks(2);
    expect(isActive(facility)).toBeBool(false);
  });

  it("extends a running window from its end, not from now", () => {
    const first = call("subscribe", [Cl.uint(1)], facility).result;
    const expiry = BigInt((first as any).value.value);
    simnet.mineEmptyBlocks(10);
    expect(call("subscribe", [Cl.uint(1)], facility).result).toBeOk(Cl.uint(expiry + BigInt(PERIOD)));
  });

  it("rejects zero periods and more than the maximum", () => {
    ledger.expectErr(call("subscribe", [Cl.uint(0)], facility).result, ERR.INVALID_PERIODS);
    ledger.expectErr(call("subscribe", [Cl.uint(121)], facility).result, ERR.INVALID_PERIODS);
    // an absurd period count is refused before any arithmetic could overflow
    ledger.expectErr(call("subscribe", [Cl.uint(2n ** 127n)], facility).result, ERR.INVALID_PERIODS);
    expect(isActive(facility)).toBeBool(false);
  });

  it("fails with PAYMENT-FAILED when the payer cannot pay, and stays inactive", () => {
    expect(call("set-price", [Cl.uint(stx(facility) + 1n)], deployer).result).toBeOk(Cl.bool(true));
    ledger.expectErr(call("subscribe", [Cl.uint(1)], facility).result, ERR.PAYMENT_FAILED);
    expect(isActive(facility)).toBeBool(false);
  });

  it("the treasury cannot pay itself (stx-transfer? refuses sender = recipient)", () => {
    ledger.expectErr(call("subscribe", [Cl.uint(1)], deployer).result, ERR.PAYMENT_FAILED);
  });

  it("lets only the owner change price, window and treasury, with valid values", () => {
    ledger.expectErr(call("set-price", [Cl.uint(5)], facility).result, ERR.NOT_AUTHORIZED);
    ledger.expectErr(call("set-period-blocks", [Cl.uint(5)], facility).result, ERR.NOT_AUTHORIZED);
    ledger.expectErr(call("set-treasury", [Cl.principal(facility)], facility).result, ERR.NOT_AUTHORIZED);
    ledger.expectErr(call("set-price", [Cl.uint(0)], deployer).result, ERR.INVALID_PRICE);
    ledger.expectErr(call("set-period-blocks", [Cl.uint(0)], deployer).result, ERR.INVALID_WINDOW);
    expect(call("set-price", [Cl.uint(7)], deployer).result).toBeOk(Cl.bool(true));
    expect(call("set-period-blocks", [Cl.uint(11)], deployer).result).toBeOk(Cl.bool(true));
    expect(call("set-treasury", [Cl.principal(otherFacility)], deployer).result).toBeOk(Cl.bool(true));
    expect(simnet.callReadOnlyFn("subscription-access", "get-terms", [], stranger).result).toBeTuple({
      price: Cl.uint(7), "period-blocks": Cl.uint(11), treasury: Cl.principal(otherFacility),
    });
    const treasuryBefore = stx(otherFacility);
    expect(call("subscribe", [Cl.uint(3)], facility).result).toBeOk(Cl.uint(simnet.stacksBlockHeight + 33));
    expect(stx(otherFacility)).toBe(treasuryBefore + 21n);
  });

  it("checks contract-caller for the owner: a proxied owner signature cannot change terms", () => {
    const proxy = deployProxy();
    ledger.expectErr(simnet.callPublicFn(proxy, "set-price-via", [Cl.uint(1)], deployer).result, ERR.NOT_AUTHORIZED);
  });

  it("a subscription bought through a contract belongs to that contract, paid by the signer", () => {
    const proxy = deployProxy();
    const before = stx(facility);
    expect(simnet.callPublicFn(proxy, "subscribe-via", [Cl.uint(1)], facility).result).toHaveClarityType(ClarityType.ResponseOk);
    expect(stx(facility)).toBe(before - PRICE);
    expect(isActive(proxy)).toBeBool(true);
    expect(isActive(facility)).toBeBool(false);
  });
});
