"""Load the demo organisation `demo` ("Demo IT"): a year of realistic experience data.

Deterministic for a given day (random.Random(42), dates relative to today) and idempotent:
each part is created only when missing, so a second run adds nothing and says so. It shows
a clear score drop (Remote work / VPN in the last closed week), an XLA indicator missing its
target for the last three closed months (Doers' lost time on devices) and one sitting
between warning and target (Supported users' happiness last month).

Each part lives in the module named for it: people, catalogue (services, personas,
metrics), office, feedback, governance (XLAs), meetings, metric_samples, responses, with
the vocabulary in text and the step order in loader (`demo.loader.load_demo`).
"""
