"""The live server answers in Chromium and loads nothing from another host."""


def test_home_page_loads(page, live_server, recorder):
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    assert recorder.requests and all("127.0.0.1" in u for u in recorder.requests)
