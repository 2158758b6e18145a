"""The registry's code lists (字典) that offices extend in the console (core/dictionaries.py).

- 居住状况 (living_situation): new values are accepted by forms, imports and the API like built-in ones.
- 人员类别 (person_category): new values may be recorded and imported; the built-in codes keep their
  meaning, because benefit rules select people by them (a new category is in no programme until a
  programme names it).
- 联系人关系 (contact_relation): suggestions, not a closed list. The relation stays free text
  (an office writes "长子", "侄女"…); the form offers the dictionary's labels as a datalist and the
  value stored is the text (其他 is one of the suggestions).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yanglao.core.dictionaries import Dictionary, register_dictionary, register_usage

LIVING_ALIASES = {"独居老人": "alone", "空巢老人": "empty_nest", "留守老人": "left_behind",
                  "与子女共同居住": "with_children", "子女同住": "with_children", "机构": "institution",
                  "养老机构": "institution"}
CATEGORY_ALIASES = {"特困": "tekun", "特困人员": "tekun", "五保": "tekun", "低保户": "dibao", "低保对象": "dibao",
                    "低边": "dibao_edge", "计生特殊家庭": "family_planning_special", "失独": "family_planning_special",
                    "重残": "severe_disability", "优抚对象": "veteran", "退役军人": "veteran"}
# The built-in values, as people/migrations/0009 seeds them (code, label, English label).
LIVING = (("alone", "独居", "Living alone"), ("empty_nest", "空巢", "Empty nest"), ("left_behind", "留守", "Left behind"),
          ("with_children", "与子女同住", "With children"), ("with_spouse", "与配偶同住", "With spouse"),
          ("institution", "入住养老机构", "In a care home"), ("other", "其他", "Other"))
CATEGORIES = (("tekun", "特困供养", "Extreme hardship support"), ("dibao", "低保", "Minimum living allowance"),
              ("dibao_edge", "低保边缘", "Near minimum living allowance"),
              ("economic_hardship", "经济困难", "Economic hardship"),
              ("family_planning_special", "计划生育特殊家庭", "Special family-planning family"),
              ("severe_disability", "重度残疾", "Severe disability"),
              ("veteran", "退役军人及其他优抚对象", "Veteran or entitled group"))
RELATIONS = (("spouse", "配偶", "Spouse"), ("son", "儿子", "Son"), ("daughter", "女儿", "Daughter"),
             ("daughter_in_law", "儿媳", "Daughter-in-law"), ("son_in_law", "女婿", "Son-in-law"),
             ("grandchild", "孙子女", "Grandchild"), ("sibling", "兄弟姐妹", "Sibling"),
             ("relative", "其他亲属", "Other relative"), ("neighbour", "邻居", "Neighbour"), ("friend", "朋友", "Friend"),
             ("committee", "村（居）委会", "Village/residents' committee"), ("other", "其他", "Other"))


def register() -> None:
    register_dictionary(Dictionary("living_situation", _("居住状况"), max_code_length=16, aliases=LIVING_ALIASES, builtin=LIVING,
                                   note=_("老年人档案的居住状况：表单、导入、导出和接口都从这里取值。")))
    register_dictionary(Dictionary("person_category", _("人员类别"), max_code_length=32, aliases=CATEGORY_ALIASES, builtin=CATEGORIES,
                                   note=_("内置类别决定待遇资格（按代码），受保护；新增类别可以登记和导入，"
                                          "但在补贴项目把它列入之前不带来任何待遇。")))
    register_dictionary(Dictionary("contact_relation", _("联系人关系"), max_code_length=16, builtin=RELATIONS,
                                   note=_("填写联系人关系时的建议选项；仍可填写其他文字（如“长子”）。")))
    register_usage("living_situation", "people.Person", "living_situation")
    register_usage("person_category", "people.PersonCategory", "category")
