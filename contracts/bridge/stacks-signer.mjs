// stacks-signer: offline Stacks helpers for genoflow.anchor.stacks, over JSON lines (see jsonl.mjs).
// It never talks to the network: Python fetches nonces, broadcasts and polls; this process only encodes,
// decodes and signs with @stacks/transactions (the version the Clarinet SDK pins).
// The private key is read from the environment variable GENOFLOW_STACKS_KEY and is never echoed.
//
// Commands:
//   address {network}                      -> {address}            (of the key in GENOFLOW_STACKS_KEY)
//   encode  {args}                         -> {hex: [..]}          (typed JSON args, see clarity-json.mjs)
//   decode  {hex}                          -> {value}
//   sign_call {contract_address, contract_name, function, args, fee, nonce, network}
//                                          -> {txid, tx_hex, sender}
import { cvToHex, makeContractCall, privateKeyToAddress } from "@stacks/transactions";
import { argsFromJson, decodeHex } from "./clarity-json.mjs";
import { serve } from "./jsonl.mjs";

function key() {
  const value = process.env.GENOFLOW_STACKS_KEY;
  if (!value) throw new Error("GENOFLOW_STACKS_KEY is not set");
  if (!/^(0x)?[0-9a-fA-F]{64}(01)?$/.test(value.trim())) {
    throw new Error("GENOFLOW_STACKS_KEY is not a hex secp256k1 private key (64 hex digits, optionally followed by 01)");
  }
  return value.trim().replace(/^0x/, "");
}

const network = (name) => {
  if (name !== "mainnet" && name !== "testnet") throw new Error(`network must be mainnet or testnet, got ${JSON.stringify(name)}`);
  return name;
};

await serve({
  address: ({ network: net }) => ({ address: privateKeyToAddress(key(), network(net)) }),
  encode: ({ args }) => ({ hex: argsFromJson(args).map((cv) => cvToHex(cv)) }),
  decode: ({ hex }) => ({ value: decodeHex(hex) }),
  sign_call: async ({ contract_address, contract_name, function: fn, args, fee, nonce, network: net }) => {
    const senderKey = key();
    const tx = await makeContractCall({
      contractAddress: contract_address, contractName: contract_name, functionName: fn,
      functionArgs: argsFromJson(args), senderKey, fee: BigInt(fee), nonce: BigInt(nonce),
      network: network(net), validateWithAbi: false, // offline: no ABI fetch; post-condition mode stays Deny
    });
    return { txid: tx.txid(), tx_hex: tx.serialize(), sender: privateKeyToAddress(senderKey, network(net)) };
  },
});
