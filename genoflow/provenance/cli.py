"""`genoflow verify` and `genoflow publish` (typer app; the main CLI mounts its commands).

Exit codes of verify: 0 verified, 1 something does not match (each mismatch named), 2 unusable input.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Result bundles, Merkle receipts, anchoring and verification.", no_args_is_help=True,
                  add_completion=False)

EXIT_MISMATCH = 1
EXIT_INPUT = 2


def _store_dir() -> Path:
    from genoflow.settings import get_settings

    store = get_settings().store
    if "://" in store and not store.startswith("file://"):
        raise typer.BadParameter(f"GENOFLOW_STORE={store} is not a local directory: pass --ipfs and --anchor-state")
    return Path(store.removeprefix("file://"))


def default_ipfs_url() -> str:
    """local://STORE/ipfs: the embedded IPFS block store beside the analytical store."""
    return f"local://{(_store_dir() / 'ipfs').resolve()}"


def default_anchor_state() -> Path:
    """STORE/anchor: where the simnet journal (or stacks nonce state) lives."""
    return _store_dir() / "anchor"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _open_anchor(kind: str, state: Path | None, stacks_api: str | None, contract_id: str | None, network: str):
    """The registry backend; `stacks` needs the node API URL and the data-registry contract id."""
    from genoflow.anchor import open_backend

    if kind == "stacks":
        if not (stacks_api and contract_id):
            raise typer.BadParameter("--anchor stacks needs --stacks-api URL and --contract-id ADDRESS.data-registry")
        return open_backend(kind, state or default_anchor_state(), api_url=stacks_api, contract_id=contract_id,
                            network=network)
    return open_backend(kind, state or default_anchor_state())


STACKS_API = typer.Option(None, "--stacks-api", help="Stacks node API URL (with --anchor stacks)")
CONTRACT_ID = typer.Option(None, "--contract-id", help="ADDRESS.data-registry (with --anchor stacks)")
NETWORK = typer.Option("mainnet", "--stacks-network", help="mainnet or testnet (with --anchor stacks)")


@app.command()
def verify(
    target: Path = typer.Argument(..., help="ID.report.json (with its VCF beside it) or ID.bundle.tar"),
    receipt: Path | None = typer.Option(None, "--receipt", help="receipt (default: ID.receipt.json beside TARGET)"),
    cid: str | None = typer.Option(None, "--cid", help="CID the bundle is expected to have (default: the receipt's)"),
    anchor: str = typer.Option("simnet", "--anchor", help="registry backend: simnet or stacks"),
    anchor_state: Path | None = typer.Option(None, help="anchor backend state dir (default: STORE/anchor)"),
    ipfs: str | None = typer.Option(None, help="IPFS backend URL to fetch the CID from (default: local://STORE/ipfs); "
                                               "'none' skips the online content check"),
    key: Path | None = typer.Option(None, help="bundle key file, for encrypted bundles"),
    timeout: float = typer.Option(10.0, help="seconds to wait for IPFS content"),
    stacks_api: str | None = STACKS_API,
    contract_id: str | None = CONTRACT_ID,
    stacks_network: str = NETWORK,
) -> None:
    """Check a report or bundle against its receipt, the anchored root and the pinned content."""
    from genoflow.ipfs import PinError, open_backend

    from .crypto import CryptoError, load_key
    from .receipt import Receipt, ReceiptError
    from .verify import VerifyInputError, default_receipt_path, load_target, verify_sample

    try:
        secret = load_key(key) if key else None
        bundle = load_target(target, key=secret)
        parsed = Receipt.read(receipt or default_receipt_path(target, bundle.sample_id))
    except (VerifyInputError, ReceiptError, CryptoError) as exc:
        raise _fail(str(exc), EXIT_INPUT)
    pin_backend = None
    if ipfs != "none":
        try:
            pin_backend = open_backend(ipfs or default_ipfs_url())
        except PinError as exc:
            typer.echo(f"note: IPFS content not checked: {exc}", err=True)
    registry = None
    try:
        registry = _open_anchor(anchor, anchor_state, stacks_api, contract_id, stacks_network)
    except Exception as exc:  # reported as the registry problem below
        typer.echo(f"cannot open the {anchor} registry: {exc}", err=True)
    try:
        result = verify_sample(bundle, parsed, anchor_backend=registry, pin_backend=pin_backend, cid=cid, key=secret,
                               timeout=timeout)
    finally:
        if registry is not None:
            registry.close()
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if not result.ok:
        raise _fail(result.summary(), EXIT_MISMATCH)
    typer.echo(result.summary())


@app.command()
def publish(
    outdir: Path = typer.Argument(..., help="a finished batch directory: ID.report.json + ID.vcf.gz per sample"),
    batch_id: str | None = typer.Option(None, help="batch id (default: the reports' batch_id, else OUTDIR's name)"),
    ipfs: str | None = typer.Option(None, help="IPFS backend URL (default: local://STORE/ipfs)"),
    anchor: str = typer.Option("simnet", "--anchor", help="registry backend: simnet or stacks"),
    anchor_state: Path | None = typer.Option(None, help="anchor backend state dir (default: STORE/anchor)"),
    store: str | None = typer.Option(None, help="analytical store for the artifacts table (default: GENOFLOW_STORE)"),
    no_store: bool = typer.Option(False, "--no-store", help="do not record artifacts in the store"),
    encrypt: bool = typer.Option(False, "--encrypt", help="pin AES-GCM encrypted bundles (key: OUTDIR/provenance/bundle.key)"),
    patient_ids: Path | None = typer.Option(None, help="file of patient identifiers (one per line) that must not "
                                                       "occur in any bundle"),
    allow_new_root: bool = typer.Option(False, help="allow a batch already anchored with another root to be anchored anew"),
    stacks_api: str | None = STACKS_API,
    contract_id: str | None = CONTRACT_ID,
    stacks_network: str = NETWORK,
) -> None:
    """Pin and anchor a finished batch (or finish a publication that failed), without redoing any analysis."""
    from genoflow.anchor import AnchorError
    from genoflow.ipfs import PinError, open_backend
    from genoflow.settings import get_settings
    from genoflow.store import Store, StoreError

    from .bundle import BundleError, read_report
    from .crypto import CryptoError
    from .publish import PublishError, publish_batch

    try:
        reports = [read_report(path) for path in sorted(outdir.glob("*.report.json"))]
        if not reports:
            raise _fail(f"{outdir}: no *.report.json files to publish", EXIT_INPUT)
        batch = batch_id or _batch_of(reports) or outdir.name
        forbidden = _identifiers(patient_ids) if patient_ids else []
        pin_backend = open_backend(ipfs or default_ipfs_url())
        target_store = None if no_store else Store(store or get_settings().store)
        registry = _open_anchor(anchor, anchor_state, stacks_api, contract_id, stacks_network)
        try:
            receipts = publish_batch(outdir, batch, reports, pin_backend=pin_backend, anchor_backend=registry,
                                     store=target_store, encrypt=encrypt, patient_ids=forbidden,
                                     allow_new_root=allow_new_root)
        finally:
            registry.close()
    except (AnchorError, BundleError, CryptoError, PinError, PublishError, StoreError, OSError) as exc:
        raise _fail(str(exc), 1)
    first = receipts[0]
    typer.echo(f"published batch {batch}: {len(receipts)} samples, root {first.root}, manifest {first.manifest_cid}, "
               f"anchored in {first.anchor.contract_id} at block {first.anchor.block_height}")


def _batch_of(reports) -> str | None:
    ids = {report.sample.batch_id for report in reports}
    return ids.pop() if len(ids) == 1 else None


def _identifiers(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise _fail(f"{path}: cannot read patient identifiers ({exc.strerror})", EXIT_INPUT)
