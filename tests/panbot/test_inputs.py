"""Reading what clients send: text the database can store."""

from panbot.inputs import storable


def test_text_with_a_nul_is_not_storable():
    assert storable("ciao") and storable("") and storable(None)
    assert not storable("ciao\x00")
