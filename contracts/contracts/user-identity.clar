;; user-identity: the registry of principals allowed to act on genoflow anchors.
;; The contract owner (the deployer) registers each facility or auditor principal with a role;
;; only an active identity with ROLE-FACILITY may anchor batch roots in data-registry.

(define-constant CONTRACT-OWNER tx-sender)

(define-constant ROLE-FACILITY u1) ;; a sequencing facility: may anchor batch roots
(define-constant ROLE-AUDITOR u2)  ;; an auditor: recorded for access decisions off-chain, cannot anchor

(define-constant ERR-NOT-AUTHORIZED (err u100))
(define-constant ERR-INVALID-ROLE (err u101))
(define-constant ERR-ALREADY-REGISTERED (err u102))
(define-constant ERR-NOT-REGISTERED (err u103))
(define-constant ERR-INVALID-NAME (err u104))

(define-map identities
  principal
  { role: uint, name: (string-ascii 64), registered-at: uint, active: bool })

(define-private (valid-role (role uint))
  (or (is-eq role ROLE-FACILITY) (is-eq role ROLE-AUDITOR)))

(define-private (is-owner)
  (is-eq contract-caller CONTRACT-OWNER))

(define-public (register (who principal) (role uint) (name (string-ascii 64)))
  (begin
    (asserts! (is-owner) ERR-NOT-AUTHORIZED)
    (asserts! (valid-role role) ERR-INVALID-ROLE)
    (asserts! (> (len name) u0) ERR-INVALID-NAME)
    (asserts! (is-none (map-get? identities who)) ERR-ALREADY-REGISTERED)
    (map-set identities who { role: role, name: name, registered-at: stacks-block-height, active: true })
    (print { event: "identity-registered", who: who, role: role })
    (ok true)))

(define-public (set-role (who principal) (role uint))
  (let ((identity (unwrap! (map-get? identities who) ERR-NOT-REGISTERED)))
    (asserts! (is-owner) ERR-NOT-AUTHORIZED)
    (asserts! (valid-role role) ERR-INVALID-ROLE)
    (map-set identities who (merge identity { role: role }))
    (print { event: "identity-role-changed", who: who, role: role })
    (ok true)))

(define-public (set-active (who principal) (active bool))
  (let ((identity (unwrap! (map-get? identities who) ERR-NOT-REGISTERED)))
    (asserts! (is-owner) ERR-NOT-AUTHORIZED)
    (map-set identities who (merge identity { active: active }))
    (print { event: "identity-active-changed", who: who, active: active })
    (ok true)))

(define-read-only (get-identity (who principal))
  (map-get? identities who))

(define-read-only (get-owner)
  CONTRACT-OWNER)

;; True only for a registered, active identity whose role is ROLE-FACILITY.
(define-read-only (is-facility (who principal))
  (match (map-get? identities who)
    identity (and (get active identity) (is-eq (get role identity) ROLE-FACILITY))
    false))
