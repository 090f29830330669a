// simnet-bridge: one long-lived process hosting the Clarinet SDK simnet (the real Clarity VM, in memory),
// driven by JSON lines on stdin/stdout (see jsonl.mjs). genoflow.anchor.simnet starts it, journals every
// block-mining command it sends, and replays that journal on start to rebuild the same chain state.
//
// Commands (all principals may also be given as a simnet account name such as "deployer"):
//   info                                   -> {deployer, accounts, contracts, block_height, epoch}
//   call  {contract, function, args, sender} -> {result, block_height, events}   (mines one block)
//   read  {contract, function, args, sender} -> {result}                         (read-only, no block)
//   mine  {blocks}                         -> {block_height}
//   mint_stx {recipient, amount}           -> {block_height}
//   read_hex {contract, function, args_hex, sender} -> {result_hex}  (for a loopback Stacks API in tests)
//   submit_tx {tx_hex, expected_nonces?}   -> {txid, sender, nonce, fee, contract, function, result, result_hex, block_height}
//     (verifies the signature of a serialized contract-call transaction, refuses it if expected_nonces
//      {address: next nonce} is given and its nonce differs, then executes it as its signer)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { initSimnet } from "@stacks/clarinet-sdk";
import {
  AddressHashMode, AddressVersion, PayloadType,
  addressFromVersionHash, addressToString, deserializeTransaction,
} from "@stacks/transactions";
import { argsFromJson, cvToHex, fromClarity, hexToCV } from "./clarity-json.mjs";
import { serve } from "./jsonl.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = process.argv[2] ?? path.join(here, "..", "Clarinet.toml");
const simnet = await initSimnet(manifest);
const accounts = Object.fromEntries(simnet.getAccounts());
const deployer = simnet.deployer;

const principal = (who) => accounts[who] ?? who;
const contractId = (name) => (name.includes(".") ? name : `${deployer}.${name}`);
const printEvents = (events) =>
  events.filter((e) => e.event === "print_event" && e.data.value).map((e) => fromClarity(e.data.value));

function call({ contract, function: fn, args, sender }) {
  const { result, events } = simnet.callPublicFn(contractId(contract), fn, argsFromJson(args), principal(sender));
  return { result: fromClarity(result), block_height: simnet.stacksBlockHeight, events: printEvents(events) };
}

function signerAddress(tx) {
  const condition = tx.auth.spendingCondition;
  const singleSig = [AddressHashMode.P2PKH, AddressHashMode.P2WPKH].includes(condition.hashMode);
  const testnet = tx.transactionVersion !== 0x00; // 0x00 mainnet, 0x80 testnet
  const version = testnet
    ? (singleSig ? AddressVersion.TestnetSingleSig : AddressVersion.TestnetMultiSig)
    : (singleSig ? AddressVersion.MainnetSingleSig : AddressVersion.MainnetMultiSig);
  return addressToString(addressFromVersionHash(version, condition.signer));
}

function submitTx({ tx_hex, expected_nonces }) {
  const tx = deserializeTransaction(tx_hex.replace(/^0x/, ""));
  tx.verifyOrigin(); // throws unless the signature matches the signer hash
  if (tx.payload.payloadType !== PayloadType.ContractCall) throw new Error("only contract-call transactions are accepted");
  const address = addressToString(tx.payload.contractAddress);
  if (address !== deployer) throw new Error(`no contracts are deployed at ${address} (simnet deployer is ${deployer})`);
  const sender = signerAddress(tx);
  const nonce = Number(tx.auth.spendingCondition.nonce);
  const expected = expected_nonces?.[sender] ?? 0;
  if (expected_nonces && nonce !== expected) throw new Error(`BadNonce: ${sender} expected nonce ${expected}, got ${nonce}`);
  const contract = `${address}.${tx.payload.contractName.content}`;
  const fn = tx.payload.functionName.content;
  const { result } = simnet.callPublicFn(contract, fn, tx.payload.functionArgs, sender);
  return {
    txid: tx.txid(), sender, contract, function: fn, nonce,
    fee: Number(tx.auth.spendingCondition.fee), result: fromClarity(result), result_hex: cvToHex(result),
    block_height: simnet.stacksBlockHeight,
  };
}

await serve(
  {
    info: () => ({
      deployer, accounts, block_height: simnet.stacksBlockHeight, epoch: simnet.currentEpoch,
      contracts: Object.fromEntries(["user-identity", "subscription-access", "data-registry"].map((n) => [n, contractId(n)])),
    }),
    call,
    read: ({ contract, function: fn, args, sender }) => ({
      result: fromClarity(simnet.callReadOnlyFn(contractId(contract), fn, argsFromJson(args), principal(sender ?? deployer)).result),
    }),
    read_hex: ({ contract, function: fn, args_hex, sender }) => ({
      result_hex: cvToHex(simnet.callReadOnlyFn(contractId(contract), fn, (args_hex ?? []).map((h) => hexToCV(h)), principal(sender ?? deployer)).result),
    }),
    mine: ({ blocks }) => {
      if (!Number.isInteger(blocks) || blocks < 1) throw new Error(`blocks must be a positive integer, got ${blocks}`);
      simnet.mineEmptyBlocks(blocks);
      return { block_height: simnet.stacksBlockHeight };
    },
    mint_stx: ({ recipient, amount }) => {
      simnet.mintSTX(principal(recipient), BigInt(amount));
      return { block_height: simnet.stacksBlockHeight };
    },
    submit_tx: submitTx,
  },
  { manifest, deployer },
);
