;; data-registry: one anchor per genoflow batch.
;; A registered, active facility (user-identity) with a running subscription (subscription-access)
;; anchors a batch Merkle root with its sample count, report schema version and manifest CID.
;; A root can be anchored once; the registrant (while still an active facility) or the contract owner
;; may later revoke it or mark it superseded by another anchored root. Authorisation uses contract-caller throughout.

(define-constant CONTRACT-OWNER tx-sender)

(define-constant STATUS-ACTIVE "active")
(define-constant STATUS-REVOKED "revoked")
(define-constant STATUS-SUPERSEDED "superseded")

(define-constant ERR-NOT-AUTHORIZED (err u300))
(define-constant ERR-NOT-FACILITY (err u301))
(define-constant ERR-SUBSCRIPTION-INACTIVE (err u302))
(define-constant ERR-INVALID-ROOT (err u303))
(define-constant ERR-INVALID-COUNT (err u304))
(define-constant ERR-INVALID-SCHEMA (err u305))
(define-constant ERR-INVALID-CID (err u306))
(define-constant ERR-ALREADY-ANCHORED (err u307))
(define-constant ERR-NOT-FOUND (err u308))
(define-constant ERR-NOT-ACTIVE (err u309))
(define-constant ERR-INVALID-REPLACEMENT (err u310))

(define-map anchors
  (buff 32)
  {
    registrant: principal,
    block-height: uint,
    count: uint,
    schema: (string-ascii 32),
    cid: (string-ascii 128),
    status: (string-ascii 10),
    superseded-by: (optional (buff 32))
  })

(define-data-var anchor-total uint u0)

;; Every check `anchor` makes, in the same order, without writing: a client can ask first and never
;; pay a fee for a transaction the contract would refuse.
(define-read-only (check-anchor (who principal) (root (buff 32)) (count uint)
                                (schema (string-ascii 32)) (cid (string-ascii 128)))
  (begin
    (asserts! (contract-call? .user-identity is-facility who) ERR-NOT-FACILITY)
    (asserts! (contract-call? .subscription-access is-active who) ERR-SUBSCRIPTION-INACTIVE)
    ;; (buff 32) is only a maximum length
    (asserts! (is-eq (len root) u32) ERR-INVALID-ROOT)
    (asserts! (> count u0) ERR-INVALID-COUNT)
    (asserts! (> (len schema) u0) ERR-INVALID-SCHEMA)
    (asserts! (> (len cid) u0) ERR-INVALID-CID)
    (asserts! (is-none (map-get? anchors root)) ERR-ALREADY-ANCHORED)
    (ok true)))

(define-public (anchor (root (buff 32)) (count uint) (schema (string-ascii 32)) (cid (string-ascii 128)))
  (begin
    (try! (check-anchor contract-caller root count schema cid))
    (map-set anchors root {
      registrant: contract-caller,
      block-height: stacks-block-height,
      count: count,
      schema: schema,
      cid: cid,
      status: STATUS-ACTIVE,
      superseded-by: none
    })
    (var-set anchor-total (+ (var-get anchor-total) u1))
    (print { event: "anchored", root: root, registrant: contract-caller, count: count, schema: schema, cid: cid })
    (ok stacks-block-height)))

;; The stored record for an active anchor that contract-caller may change: the contract owner always
;; may; the registrant only while it is still an active facility, so a deactivated (retired or
;; compromised) facility key cannot revoke or supersede its past anchors.
(define-private (mutable-anchor (root (buff 32)))
  (let ((record (unwrap! (map-get? anchors root) ERR-NOT-FOUND))
        (by-owner (is-eq contract-caller CONTRACT-OWNER)))
    (asserts! (or by-owner (is-eq contract-caller (get registrant record))) ERR-NOT-AUTHORIZED)
    (asserts! (or by-owner (contract-call? .user-identity is-facility contract-caller)) ERR-NOT-FACILITY)
    (asserts! (is-eq (get status record) STATUS-ACTIVE) ERR-NOT-ACTIVE)
    (ok record)))

(define-public (revoke (root (buff 32)))
  (let ((record (try! (mutable-anchor root))))
    (map-set anchors root (merge record { status: STATUS-REVOKED }))
    (print { event: "revoked", root: root, by: contract-caller })
    (ok true)))

;; Mark `root` superseded by `replacement`, which must itself be a different, active anchor.
(define-public (supersede (root (buff 32)) (replacement (buff 32)))
  (let ((record (try! (mutable-anchor root)))
        (newer (unwrap! (map-get? anchors replacement) ERR-INVALID-REPLACEMENT)))
    (asserts! (not (is-eq root replacement)) ERR-INVALID-REPLACEMENT)
    (asserts! (is-eq (get status newer) STATUS-ACTIVE) ERR-INVALID-REPLACEMENT)
    (map-set anchors root (merge record { status: STATUS-SUPERSEDED, superseded-by: (some replacement) }))
    (print { event: "superseded", root: root, replacement: replacement, by: contract-caller })
    (ok true)))

(define-read-only (get-anchor (root (buff 32)))
  (map-get? anchors root))

(define-read-only (get-anchor-total)
  (var-get anchor-total))

(define-read-only (get-owner)
  CONTRACT-OWNER)
