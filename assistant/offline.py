"""Keep every library offline: no model-hub downloads, no analytics, no telemetry.

Imported first by every entry package, before any library that reads these variables.
Also lets idle OpenMP threads sleep instead of spinning: on a laptop whose cores other
programs share, spinning threads made one query embedding take ~0.8 s instead of ~40 ms.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "RAGAS_DO_NOT_TRACK": "true",  # RAGAS and its `datasets` read the eval export (the test extra)
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "OMP_WAIT_POLICY": "PASSIVE",
}

for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
