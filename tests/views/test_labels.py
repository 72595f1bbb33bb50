"""Labels shown to people: theme names, French dates, colons per language."""

from datetime import date

from tests.factories import make_pledge


def test_theme_names_replace_slugs_on_pages(client, app_session):
    pledge = make_pledge(app_session, theme="video-surveillance")
    make_pledge(app_session, theme="mobilite-douce")
    app_session.commit()
    page = client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    assert ">Vidéosurveillance</a>" in page
    themes = client.get("/themes/").get_data(as_text=True)
    assert ">Mobilite douce</a>" in themes
    assert ">Video surveillance</a>" not in themes


def test_first_of_the_month_is_1er_in_french_only(client, app_session):
    pledge = make_pledge(app_session, deadline=date(2022, 4, 1))
    app_session.commit()
    assert "1er avril 2022" in client.get(f"/pledges/{pledge.id}").get_data(as_text=True)
    english = client.get(f"/pledges/{pledge.id}?lang=en").get_data(as_text=True)
    assert "April 1, 2022" in english
