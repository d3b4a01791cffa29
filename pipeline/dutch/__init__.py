"""What helder knows of Dutch itself — which words a lay reader knows, which are English, noun
genders, adjective inflection and compounding — shared by the offline suggester (to render) and
the checks (to judge). Clinical-to-lay knowledge is not here: that is `pipeline/lexicon/`."""
