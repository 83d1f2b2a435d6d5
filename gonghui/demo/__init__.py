"""The demo story and the test personas: a project-level package above every app.

It builds the 双沟通 story of shared/seed/shuanggoutong-article.txt through the apps' own actions, one module
per app (story.py holds the union tree, enterprises, staff and members and calls the others in order), and
it is the only place that knows about every app at once. No app imports it; production refuses to load it.
"""
