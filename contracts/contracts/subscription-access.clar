;; subscription-access: paid anchoring windows.
;; A subscriber pays `price` micro-STX per period to the treasury (the contract owner unless the owner
;; names another principal); each period extends the subscriber's window by `period-blocks` Stacks blocks,
;; counted from the end of a still-running window or from now. `is-active` is what data-registry checks.

(define-constant CONTRACT-OWNER tx-sender)
(define-constant MAX-PERIODS u120)

(define-constant ERR-NOT-AUTHORIZED (err u200))
(define-constant ERR-INVALID-PERIODS (err u201))
(define-constant ERR-INVALID-PRICE (err u202))
(define-constant ERR-INVALID-WINDOW (err u203))
(define-constant ERR-PAYMENT-FAILED (err u204))

(define-data-var price uint u1000000)       ;; micro-STX per period (1 STX)
(define-data-var period-blocks uint u4320)   ;; Stacks blocks per period
(define-data-var treasury principal CONTRACT-OWNER)

;; subscriber -> last Stacks block height (exclusive) of the paid window
(define-map subscriptions principal uint)

(define-private (is-owner)
  (is-eq contract-caller CONTRACT-OWNER))

;; Extend contract-caller's window by `periods`; the STX are paid by tx-sender (the signer, whose
;; post-conditions guard the transfer). Returns the new expiry height.
(define-public (subscribe (periods uint))
  (begin
    ;; checked before any arithmetic, so an absurd `periods` cannot overflow
    (asserts! (and (> periods u0) (<= periods MAX-PERIODS)) ERR-INVALID-PERIODS)
    (let (
        (subscriber contract-caller)
        (cost (* periods (var-get price)))
        (current (default-to u0 (map-get? subscriptions subscriber)))
        (start (if (> current stacks-block-height) current stacks-block-height))
        (expiry (+ start (* periods (var-get period-blocks)))))
      (unwrap! (stx-transfer? cost tx-sender (var-get treasury)) ERR-PAYMENT-FAILED)
      (map-set subscriptions subscriber expiry)
      (print { event: "subscribed", subscriber: subscriber, periods: periods, paid: cost, expires-at: expiry })
      (ok expiry))))

(define-public (set-price (new-price uint))
  (begin
    (asserts! (is-owner) ERR-NOT-AUTHORIZED)
    (asserts! (> new-price u0) ERR-INVALID-PRICE)
    (var-set price new-price)
    (ok true)))

(define-public (set-period-blocks (blocks uint))
  (begin
    (asserts! (is-owner) ERR-NOT-AUTHORIZED)
    (asserts! (> blocks u0) ERR-INVALID-WINDOW)
    (var-set period-blocks blocks)
    (ok true)))

(define-public (set-treasury (new-treasury principal))
  (begin
    (asserts! (is-owner) ERR-NOT-AUTHORIZED)
    (var-set treasury new-treasury)
    (ok true)))

(define-read-only (is-active (who principal))
  (< stacks-block-height (default-to u0 (map-get? subscriptions who))))

(define-read-only (get-expiry (who principal))
  (map-get? subscriptions who))

(define-read-only (get-terms)
  { price: (var-get price), period-blocks: (var-get period-blocks), treasury: (var-get treasury) })
