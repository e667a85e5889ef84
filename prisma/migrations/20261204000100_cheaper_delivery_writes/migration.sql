-- A sender's claim is held in claimed_until, which no index covers, and the outbox's pages keep room for a row's
-- next version: a claim is then a HOT update (one new row version on the same page, no index entries). Until now
-- the claim moved next_attempt_at, indexed twice, so each claim wrote three index entries. next_attempt_at now moves
-- only when a retry is scheduled. fillfactor applies to pages filled from now on.
ALTER TABLE "event_deliveries" ADD COLUMN "claimed_until" TIMESTAMPTZ(3);
ALTER TABLE "event_deliveries" SET (fillfactor = 70);

-- A successful attempt is recorded on the delivery itself (its answer's status code and duration, at finished_at)
-- by the same update that marks it delivered, instead of as a row of event_delivery_attempts: one write per
-- delivered event fewer. The delivery log shows it as the last attempt, and failed attempts stay rows. A delivered
-- delivery sent again by hand moves its success into event_delivery_attempts first.
ALTER TABLE "event_deliveries" ADD COLUMN "response_code" INTEGER, ADD COLUMN "duration_ms" INTEGER;
