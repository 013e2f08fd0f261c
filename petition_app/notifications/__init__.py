"""Mail to many signers at once (milestones, answers from recipients, organizers' updates): a delivery
record per signer makes every fan-out safe to interrupt and run again; batch jobs let every worker share it."""
