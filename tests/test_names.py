import pytest

from microcosm_sqlite._names import ByDataSet, data_set_key


def test_any_spelling_is_the_same_dataset():
    paths = ByDataSet({"geography": "/a.db"})
    assert paths["Geography"] == paths["GEOGRAPHY"] == paths.get("gEoGrApHy") == "/a.db"
    assert "Geography" in paths and 1 not in paths
    paths["Geography"] = "/b.db"
    assert len(paths) == 1
    # Iteration shows the spelling last stored, so a class name replaces a lower-cased config key.
    assert dict(paths) == {"Geography": "/b.db"}
    del paths["GEOGRAPHY"]
    assert paths == {}


def test_missing_names_say_which():
    paths = ByDataSet[str]()
    assert paths.get("Planets") is None and paths.get("Planets", "/c.db") == "/c.db"
    with pytest.raises(KeyError, match="Planets"):
        paths["Planets"]
    with pytest.raises(KeyError, match="Planets"):
        del paths["Planets"]
    assert data_set_key("Planets") == data_set_key("PLANETS")
