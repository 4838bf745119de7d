"""Math over 111 atomic abilities (DESIGN §5): seeded problems with ground truth, a sandboxed
toolbox, plan → act → feedback → reflect trajectories, answers checked with math-verify."""
