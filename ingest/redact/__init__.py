"""Local PII redaction, applied to source text before anything is embedded or sent to an LLM.

Kinds: e-mail (obfuscations too), phone, postal address, IBAN (mod-97), card number (card-like
groupings whatever the Luhn check), person name. Brand, channel and app names and loanwords are
evidence, never personal data (`keep`: a bundled gazetteer, and `allow_terms=`, e.g. a workspace's
``keep-names.txt`` read by `read_keep_names`).

- `rules`: the structured kinds, by pattern and checksum;
- `keep`: the names kept (brands, channels, loanwords), bundled and per workspace;
- `lexicon`, `context`, `cues` and `names`: person names (known names, cues, a gazetteer of first
  names and surnames from Faker, INSEE and the US Census in ``data/person_names.json``, spaCy's
  NER); `build_names` rebuilds that file from the public registers (not run at ingestion);
- `vault`: one number per person, e-mail, phone… across the workspace (``[PERSONNE_1]`` in a
  French source and ``[PERSON_1]`` in an English one are the same person);
- `spans`: detections, replacements, and `map_offset` from the original text to the redacted one;
- `redactor`: `Redactor` puts them together, `WorkspaceRedaction` binds it to a vault.

Measured by ``python -m evals.pii_recall``. Pure API: the spaCy pipeline is passed in or loaded
lazily on first use; nothing here reads the network, and the only files read are the bundled
gazetteers and, when asked (`read_keep_names`), the workspace's keep list.
"""

from ingest.redact.keep import KEEP_NAMES_FILE, KeepList, read_keep_names
from ingest.redact.lexicon import DEFAULT_ALLOW, first_names
from ingest.redact.names import PersonFinder, load_ner
from ingest.redact.redactor import Redactor, WorkspaceRedaction
from ingest.redact.spans import Detection, Redaction, Replacement, apply, map_offset
from ingest.redact.vault import LABELS, PiiKind, PlaceholderVault, VaultEntry, normalise

__all__ = [
    "DEFAULT_ALLOW",
    "KEEP_NAMES_FILE",
    "LABELS",
    "Detection",
    "KeepList",
    "PersonFinder",
    "PiiKind",
    "PlaceholderVault",
    "Redaction",
    "Redactor",
    "Replacement",
    "VaultEntry",
    "WorkspaceRedaction",
    "apply",
    "first_names",
    "load_ner",
    "map_offset",
    "normalise",
    "read_keep_names",
]
