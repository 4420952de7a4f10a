"""The Streamlit UI: the viewer renders a built map and its JSON export; the refinement panel
chats with the offline assistant, applies or rejects proposals, undoes and redoes, and shows the
history. Driven through `streamlit.testing.v1.AppTest`, on copies of one workspace built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from assistant.editing.revisions import commit, history
from assistant.model import MoveItem
from assistant.project import Project
from assistant.refine.llm_assistant import LLMAssistant
from assistant.refine.session import RefinementSession
from assistant.refine.turns import AssistantTurn, ChatContext
from assistant.settings import Settings
from assistant.workspace import Workspace
from ingest.embedders import HashingEmbedder
from ingest.segment import SpacySegmenter
from tests.conftest import SAMPLES

APP = str(Path(__file__).parent.parent / "ui" / "app.py")
MAP = "overall"
LLM_SETTINGS = ("PARCOURS_MODEL", "PARCOURS_BASE_URL", "PARCOURS_API_KEY", "OPENAI_API_KEY")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, segmenter: SpacySegmenter) -> Path:
    """One French interview ingested and built once (hashing embedder, no redaction)."""
    root = tmp_path_factory.mktemp("built") / "ws"
    settings = Settings(workspace=root, redact=False)
    project = Project(root, embedder=HashingEmbedder(), segmenter=segmenter, settings=settings)
    project.ingest([SAMPLES / "interviews" / "fr-01-lea.md"])
    project.build()
    return root


@pytest.fixture
def workspace(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A fresh copy of the built workspace, and no chat model configured."""
    for name in LLM_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "ws"
    shutil.copytree(built, root)
    return Workspace(root)


def open_app(root: Path, language: str = "fr") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.sidebar.text_input[0].set_value(str(root)).run()
    app.sidebar.radio(key="ui:language").set_value(language).run()
    assert not app.exception
    return app


def button(app: AppTest, label: str) -> Button:
    return next(b for b in app.button if b.label == label)


def say(app: AppTest, message: str) -> None:
    app.chat_input[0].set_value(message).run()
    assert not app.exception


def stage_of(workspace: Workspace, item_id: str, revision: int | None = None) -> str:
    journey_map = workspace.load_map(MAP, revision)
    return next(stage.id for stage, item in journey_map.items() if item.id == item_id)


def test_the_map_is_a_swimlane_grid_with_a_curve_and_downloads(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    assert app.header[0].value == "Parcours client — tous les participants"
    heads = [
        m.value.split("  \n")[0]
        for m in app.markdown
        if "-badge[" in m.value and "éléments" in m.value
    ]
    assert heads == [
        "**Sensibilisation**", "**Considération**", "**Achat**", "**Rétention**",
        "**Recommandation**",
    ]  # fmt: skip
    lanes = [m.value for m in app.markdown if m.value.startswith("**") and m.value.endswith("**")]
    assert lanes[:3] == ["**Courbe des émotions (valence par étape, de −2 à +2)**", "**Actions**",
                         "**Motivations**"]  # fmt: skip
    cards = [b for b in app.button if str(b.key).startswith("card-")]
    journey_map = workspace.load_map(MAP)
    assert 0 < len(cards) <= len(journey_map.items())
    assert any("Point bas" in c.value for c in app.caption)  # the emotional low point is named
    labels = [button.proto.label for button in app.sidebar.get("download_button")]
    assert labels == [
        "JSON", "Markdown", "CSV", "HTML", "REFI-QDA (.qdpx)", "Mermaid", "Schéma JSON de la carte",
    ]  # fmt: skip
    assert app.header[1].value == "Affiner la carte"  # the map is French: so is the UI
    assert not app.sidebar.toggle  # no chat model configured: no LLM switch


def test_an_empty_workspace_says_where_to_start(tmp_path: Path) -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.sidebar.text_input[0].set_value(str(tmp_path / "none")).run()
    assert app.header[0].value == "Sources"  # the page to start on
    assert "déposez des transcriptions" in app.info[0].value


def test_a_proposal_is_previewed_applied_then_undone_and_redone(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    assert button(app, "Annuler").disabled and button(app, "Rétablir").disabled  # just built
    assert stage_of(workspace, "I1") == "awareness"

    say(app, "move I1 to purchase")
    reply = app.chat_message[-1]
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    assert reply.markdown[0].value.startswith("Proposed on revision 1")
    preview = reply.markdown[1].value  # the diff, in the language of the message
    assert "revision 1 → 2" in preview and "awareness → purchase" in preview
    assert [c.label for c in reply.checkbox] == [
        "move I1 “C’est drôle parce que c’est à quinze mi…” to Achat"
    ]
    assert workspace.head(MAP) == 1  # nothing applied before approval

    button(app, "Appliquer la sélection").click().run()
    assert not app.exception
    assert workspace.head(MAP) == 2 and stage_of(workspace, "I1") == "purchase"
    assert app.success[0].value.startswith("Révision 2 : move I1")
    assert app.caption[0].value.startswith("revision 2 ")
    assert not app.checkbox  # the proposal is settled
    assert not button(app, "Annuler").disabled

    button(app, "Annuler").click().run()
    assert not app.exception
    assert workspace.head(MAP) == 3
    assert workspace.load_map(MAP, 3).model_dump(exclude={"revision"}) == workspace.load_map(
        MAP, 1
    ).model_dump(exclude={"revision"})
    assert app.success[0].value.startswith("Révision 3 : undo: move I1")
    history_lines = app.sidebar.expander[0].markdown[0].value.splitlines()
    assert history_lines[0].startswith("- 3 · user · undo: move I1")
    assert history_lines[-1] == "- 1 · system · build with the offline extractor"
    assert not button(app, "Rétablir").disabled

    button(app, "Rétablir").click().run()
    assert workspace.head(MAP) == 4 and stage_of(workspace, "I1") == "purchase"
    assert button(app, "Rétablir").disabled


def test_only_the_checked_operations_are_applied(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    say(app, "move I1 to purchase; move I2 to retention")
    assert len(app.checkbox) == 2
    app.checkbox[1].uncheck().run()
    preview = app.chat_message[-1].markdown[1].value
    assert "I1" in preview and "I2" not in preview  # the preview follows the selection
    button(app, "Appliquer la sélection").click().run()
    assert workspace.head(MAP) == 2
    assert stage_of(workspace, "I1") == "purchase" and stage_of(workspace, "I2") == "awareness"

    say(app, "move I3 to purchase")
    app.checkbox[0].uncheck().run()
    assert button(app, "Appliquer la sélection").disabled  # nothing chosen, nothing to apply
    assert "au moins une" in app.info[0].value


def test_reject_changes_nothing_and_the_conversation_is_kept(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    say(app, "explain I9")
    citations = app.chat_message[-1].expander[0]
    assert citations.label.startswith("Citations (")
    assert citations.markdown[0].value.startswith("**[fr-01-lea.md, Léa]**\n\n> ")

    say(app, "move I1 to purchase")
    button(app, "Refuser").click().run()
    assert not app.exception
    assert [r.number for r in history(workspace, MAP)] == [1]
    assert app.success[0].value == "Proposition refusée : rien n’a changé."
    assert not app.checkbox

    RefinementSession(workspace, MAP).send("list stages")  # elsewhere (the CLI, another tab)
    app.run()
    assert app.chat_message[-2].markdown[0].value == "list stages"  # read again

    say(app, "move I2 to purchase")  # left undecided

    reloaded = open_app(workspace.root)
    contents = [m.markdown[0].value for m in reloaded.chat_message]
    assert contents[0] == "explain I9" and contents[2] == "move I1 to purchase"
    assert contents[4].startswith("reject: move I1")
    assert contents[7] == "move I2 to purchase"
    assert len(reloaded.checkbox) == 1  # the undecided proposal is offered again
    button(reloaded, "Appliquer la sélection").click().run()
    assert workspace.head(MAP) == 2 and stage_of(workspace, "I2") == "purchase"


def test_applying_a_stale_proposal_shows_the_error_and_saves_nothing(
    workspace: Workspace,
) -> None:
    app = open_app(workspace.root)
    say(app, "move I1 to purchase")
    commit(workspace, MAP, [MoveItem(item_id="I2", stage_id="retention")], base_revision=1)

    button(app, "Appliquer la sélection").click().run()
    assert not app.exception
    assert "is at revision 2, your edit was made on revision 1" in app.error[0].value
    assert workspace.head(MAP) == 2 and stage_of(workspace, "I1") == "awareness"


def test_an_older_revision_is_viewed_read_only(workspace: Workspace) -> None:
    app = open_app(workspace.root)
    say(app, "move I1 to purchase")
    button(app, "Appliquer la sélection").click().run()
    picker = app.sidebar.selectbox[1]
    assert picker.options[0].startswith("2 · user · move I1") and picker.options[0].endswith(
        "(dernière)"
    )
    picker.set_value(1).run()
    assert not app.exception
    assert app.caption[0].value.startswith("revision 1 ")
    assert "lecture seule" in app.info[0].value
    assert app.chat_input[0].proto.disabled
    assert workspace.head(MAP) == 2


def test_the_llm_assistant_is_offered_when_a_model_is_set(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARCOURS_MODEL", "test-model")
    app = open_app(workspace.root)
    toggle = app.sidebar.toggle[0]
    assert toggle.label == "Assistant LLM (test-model)" and not toggle.value
    toggle.set_value(True).run()
    assert not app.exception
    assert "no API key for OpenAI" in app.sidebar.error[0].value  # and no traceback
    say(app, "move I1 to purchase")  # the offline assistant still answers
    assert app.chat_message[-1].markdown[0].value.startswith("Proposed on revision 1")

    class Scripted:
        def respond(self, message: str, context: ChatContext) -> AssistantTurn:
            return AssistantTurn(reply=f"LLM on revision {context.journey_map.revision}")

    made: list[Settings] = []

    def from_settings(settings: Settings) -> Scripted:
        made.append(settings)
        return Scripted()

    monkeypatch.setattr(LLMAssistant, "from_settings", from_settings)
    app.run()
    assert not app.exception and not app.sidebar.error
    say(app, "what hurts at checkout?")
    assert app.chat_message[-1].markdown[0].value == "LLM on revision 1"
    say(app, "and after?")
    assert len(made) == 1 and made[0].model == "test-model"  # built once, then kept

    app.sidebar.toggle[0].set_value(False).run()
    say(app, "explain I9")  # back to the offline grammar, on the same conversation
    assert app.chat_message[-1].markdown[0].value.startswith("I9")
    assert len(app.chat_message) == 8
